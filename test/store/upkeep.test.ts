import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFERENCE_TYPES } from '../../src/reads/projection.js';
import { type ChangeRow, insertRows, updateRows } from '../../src/store/bulk-write.js';
import { vacuumAndAnalyze } from '../../src/store/upkeep.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { conferencePagesRead, conferenceRow, regionChange } from '../helpers/read-models.js';

const ACCOUNT = `AC${'d'.repeat(32)}`;
const conference = (n: number) => conferenceRow(ACCOUNT, n);
const rows = (count: number) => Array.from({ length: count }, (_, i) => conference(i + 1));

describe.each(databaseKinds)('the embedded upkeep, run on $name', (kind) => {
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
      await vacuumAndAnalyze(database);
    }
    // Each round writes a new version of every row; without the upkeep the table holds all six by now.
    expect(await heapSize()).toBeLessThan(inserted * 2.5);
  });
});

// PGlite keeps its plans for the life of the session (PostgreSQL's webhook transactions plan afresh).
describe.each(databaseKinds.filter((kind) => kind.name === 'pglite'))(
  'plans after the upkeep on $name',
  (kind) => {
    let database: TestDatabase;
    beforeEach(async () => {
      database = await kind.create();
    });
    afterEach(() => database.drop());

    it('are made again for the table as it has grown: an update by key reads a few pages', async () => {
      const update = (changes: ChangeRow<'conferences'>[]) =>
        updateRows('conferences', CONFERENCE_TYPES, ['account_sid', 'sid'], changes);
      await insertRows(database.db, 'conferences', CONFERENCE_TYPES, rows(1)).execute();
      // Often enough for the session to keep a plan made for a table of one row.
      for (let run = 0; run < 8; run++)
        await update([regionChange(ACCOUNT, 1, `r${run}`)]).execute(database.db);
      await insertRows(database.db, 'conferences', CONFERENCE_TYPES, rows(20_000).slice(1)).execute();
      await vacuumAndAnalyze(database);

      const read = await conferencePagesRead(database.db, () =>
        update([7, 9_000, 19_999].map((n) => regionChange(ACCOUNT, n, 'ie1'))).execute(database.db),
      );
      // The same update with the plan kept from the table's first row read 464 pages (test/store/bulk-write.test.ts).
      expect(read).toBeLessThan(150);
    });
  },
);
