import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFERENCE_TYPES } from '../../src/reads/projection.js';
import { type ChangeRow, insertRows, updateRows } from '../../src/store/bulk-write.js';
import { transactionSettings } from '../../src/store/locks.js';
import { type DatabaseKind, databaseKinds, postgresKind, type TestDatabase } from '../helpers/databases.js';
import {
  conferencePagesRead,
  conferenceRow,
  planOnOneRowThenGrow,
  regionChange,
} from '../helpers/read-models.js';

const ACCOUNT = `AC${'c'.repeat(32)}`;
const conference = (n: number) => conferenceRow(ACCOUNT, n, { platform_sid: `CF${'f'.repeat(31)}${n}` });

describe.each(databaseKinds)('updating many rows in one statement on $name', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await kind.create();
    await insertRows(database.db, 'conferences', CONFERENCE_TYPES, [1, 2, 3].map(conference)).execute();
  });
  afterAll(() => database.drop());

  it('sets in each row the columns its change names, nulls included, and leaves the rest as they were', async () => {
    const update = updateRows(
      'conferences',
      CONFERENCE_TYPES,
      ['account_sid', 'sid'],
      [
        {
          account_sid: ACCOUNT,
          sid: conference(1).sid,
          changed: {
            status: 'completed',
            date_updated: '2026-11-29T10:00:00.000Z',
            reason_conference_ended: 'last-participant-left',
          },
        },
        { account_sid: ACCOUNT, sid: conference(2).sid, changed: { platform_sid: null } },
      ],
    );
    await update.execute(database.db);
    const rows = await database.db
      .selectFrom('conferences')
      .select(['sid', 'status', 'date_updated', 'reason_conference_ended', 'platform_sid', 'region'])
      .orderBy('sid')
      .execute();
    expect(rows.map((row) => ({ ...row, date_updated: new Date(row.date_updated).toISOString() }))).toEqual([
      {
        sid: conference(1).sid,
        status: 'completed',
        date_updated: '2026-11-29T10:00:00.000Z',
        reason_conference_ended: 'last-participant-left',
        platform_sid: conference(1).platform_sid,
        region: 'us1',
      },
      {
        sid: conference(2).sid,
        status: 'in-progress',
        date_updated: '2026-11-29T09:00:00.000Z',
        reason_conference_ended: null,
        platform_sid: null,
        region: 'us1',
      },
      {
        sid: conference(3).sid,
        status: 'in-progress',
        date_updated: '2026-11-29T09:00:00.000Z',
        reason_conference_ended: null,
        platform_sid: conference(3).platform_sid,
        region: 'us1',
      },
    ]);
  });

  it('changes nothing given no changes', async () => {
    const before = await database.db.selectFrom('conferences').selectAll().orderBy('sid').execute();
    await updateRows('conferences', CONFERENCE_TYPES, ['account_sid', 'sid'], []).execute(database.db);
    expect(await database.db.selectFrom('conferences').selectAll().orderBy('sid').execute()).toEqual(before);
  });
});

// PGlite keeps its plans, and has them made again by the upkeep (test/store/upkeep.test.ts).
describe.skipIf(!postgresKind)(
  'a batch statement whose table has grown since it was first run, on postgres',
  () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await (postgresKind as DatabaseKind).create();
    });
    afterAll(() => database.drop());

    it('updates three rows of 20,000 by their key, reading a few pages rather than the table or an index of it', async () => {
      await database.db.transaction().execute(async (trx) => {
        await sql`${transactionSettings('5s')}`.execute(trx);
        const update = (changes: ChangeRow<'conferences'>[]) =>
          updateRows('conferences', CONFERENCE_TYPES, ['account_sid', 'sid'], changes).execute(trx);
        await planOnOneRowThenGrow(trx, ACCOUNT, update);

        const read = await conferencePagesRead(trx, () =>
          update([7, 9_000, 19_999].map((n) => regionChange(ACCOUNT, n, 'ie1'))),
        );

        const updated = await trx
          .selectFrom('conferences')
          .select('sid')
          .where('region', '=', 'ie1')
          .execute();
        expect(updated.map((row) => row.sid).sort()).toEqual(
          [7, 9_000, 19_999].map((n) => conference(n).sid),
        );
        // Each row: a descent of the primary key, its page, and its new version's entry in each index that
        // holds it (58 pages here). A plan kept from the table's first row read 458 (an index sharing only the
        // key's first column), and one joining by hash reads the whole table.
        expect(read).toBeGreaterThan(10);
        expect(read).toBeLessThan(150);
      });
    });
  },
);
