import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFERENCE_TYPES } from '../../src/reads/projection.js';
import { insertRows, updateRows } from '../../src/store/bulk-write.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { conferenceRow } from '../helpers/read-models.js';

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
