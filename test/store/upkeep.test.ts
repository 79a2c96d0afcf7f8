import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFERENCE_TYPES } from '../../src/reads/projection.js';
import { type ChangeRow, insertRows, updateRows } from '../../src/store/bulk-write.js';
import { upkeep } from '../../src/store/upkeep.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';
import {
  conferencePagesRead,
  conferenceRow,
  planOnOneRowThenGrow,
  regionChange,
} from '../helpers/read-models.js';

const ACCOUNT = `AC${'d'.repeat(32)}`;
const rows = (count: number) => Array.from({ length: count }, (_, i) => conferenceRow(ACCOUNT, i + 1));

// The server runs the upkeep on PGlite only: on PostgreSQL, autovacuum does this work.
describe.each(databaseKinds.filter((kind) => kind.name === 'pglite'))('the upkeep of $name', (kind) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await kind.create();
  });
  afterEach(() => database.drop());

  const heapSize = async () =>
    Number(
      (await sql<{ size: string }>`SELECT pg_relation_size('conferences')::text AS size`.execute(database.db))
        .rows[0]?.size,
    );

  it('lets updates reuse the space of the row versions they left behind, so a table updated again and again stops growing', async () => {
    await insertRows(database.db, 'conferences', CONFERENCE_TYPES, rows(5000)).execute();
    const inserted = await heapSize();
    for (let round = 0; round < 5; round++) {
      await sql`UPDATE conferences SET date_updated = date_updated + interval '1 second'`.execute(
        database.db,
      );
      expect(await upkeep(database)).toContainEqual({ table: 'conferences', vacuumed: true, analysed: true });
    }
    // Each round writes a new version of every row; without the upkeep the table holds all six by now.
    expect(await heapSize()).toBeLessThan(inserted * 2.5);
  });

  it('leaves alone a table that changed too little since, as autovacuum would', async () => {
    await insertRows(database.db, 'conferences', CONFERENCE_TYPES, rows(5000)).execute();
    expect(await upkeep(database)).toContainEqual({ table: 'conferences', vacuumed: true, analysed: true });
    await sql`UPDATE conferences SET region = 'ie1' WHERE sid IN (${sql.join(rows(10).map((row) => row.sid))})`.execute(
      database.db,
    );
    expect(await upkeep(database)).not.toContainEqual(expect.objectContaining({ table: 'conferences' }));
  });

  it('has plans made again for a table that has grown: an update by key reads a few pages', async () => {
    const update = (changes: ChangeRow<'conferences'>[]) =>
      updateRows('conferences', CONFERENCE_TYPES, ['account_sid', 'sid'], changes).execute(database.db);
    await planOnOneRowThenGrow(database.db, ACCOUNT, update);
    await upkeep(database);

    const read = await database.db.transaction().execute((trx) =>
      conferencePagesRead(trx, () =>
        updateRows(
          'conferences',
          CONFERENCE_TYPES,
          ['account_sid', 'sid'],
          [7, 9_000, 19_999].map((n) => regionChange(ACCOUNT, n, 'ie1')),
        ).execute(trx),
      ),
    );
    // Without the upkeep, the plan kept from the table's first row read 440 pages here.
    expect(read).toBeGreaterThan(10);
    expect(read).toBeLessThan(150);
  });
});
