import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFERENCE_TYPES } from '../../src/reads/projection.js';
import { insertRows } from '../../src/store/bulk-write.js';
import { FixedStatement } from '../../src/store/fixed-statement.js';
import type { ConferencesTable } from '../../src/store/schema.js';
import { type Counts, countsOf, inOneStatement } from '../../src/store/single-statement.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { conferenceRow } from '../helpers/read-models.js';

const ACCOUNT = `AC${'d'.repeat(32)}`;
const conference = (n: number, name: string) => conferenceRow(ACCOUNT, n, { friendly_name: name });

interface TwoInserts {
  first: Insertable<ConferencesTable>[];
  second: Insertable<ConferencesTable>[];
}

// One statement for every database of the run, as the write path keeps one for the process.
const statement = new FixedStatement<TwoInserts, Counts>({ first: true, second: true }, (executor, rows) =>
  inOneStatement(
    [],
    [
      insertRows(executor, 'conferences', CONFERENCE_TYPES, rows.first).returning('sid'),
      insertRows(executor, 'conferences', CONFERENCE_TYPES, rows.second).returning('sid'),
    ],
  ),
);

describe.each(databaseKinds)('a statement built once, run on $name', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await kind.create();
  });
  afterAll(() => database.drop());

  it('writes the rows of each run, not those of the run it was built on, and counts each part', async () => {
    const runs = [
      { first: [conference(1, 'a')], second: [] },
      { first: [conference(2, 'b'), conference(3, 'c')], second: [conference(4, 'd')] },
      { first: [], second: [conference(5, 'e'), conference(6, 'f'), conference(7, 'g')] },
    ];
    const counts = [];
    for (const run of runs) counts.push(countsOf((await statement.execute(database.db, run)).rows));
    expect(counts).toEqual([
      [1, 0],
      [2, 1],
      [0, 3],
    ]);
    const names = await database.db
      .selectFrom('conferences')
      .select('friendly_name')
      .where('account_sid', '=', ACCOUNT)
      .orderBy('sid')
      .execute();
    expect(names.map((row) => row.friendly_name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});

describe('a statement built once', () => {
  it('is refused when it leaves out a part, so that no run silently writes nothing of it', () => {
    expect(
      () =>
        new FixedStatement<TwoInserts, Counts>({ first: true, second: true }, (executor, rows) =>
          inOneStatement([insertRows(executor, 'conferences', CONFERENCE_TYPES, rows.first)]),
        ),
    ).toThrow('placeholder for second once');
  });

  it('is refused when it uses a part twice', () => {
    expect(
      () =>
        new FixedStatement<TwoInserts, Counts>({ first: true, second: true }, (executor, rows) =>
          inOneStatement([
            insertRows(executor, 'conferences', CONFERENCE_TYPES, rows.first),
            insertRows(executor, 'conferences', CONFERENCE_TYPES, rows.first),
            insertRows(executor, 'conferences', CONFERENCE_TYPES, rows.second),
          ]),
        ),
    ).toThrow('placeholder for first once');
  });
});
