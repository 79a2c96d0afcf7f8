// Citus can enforce a primary key, unique index or exclusion constraint of a distributed table only when
// it includes the distribution column; Conclave goes further and leads each with account_sid, so one
// account's rows sit on one shard and every key lookup routes to it. The catalog is the proof.

import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/store/schema.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';

/** Tables that hold no account's data, each with why it need not be sharded. */
const UNSHARDED: Record<string, string> = {
  schema_migrations:
    'one row per migration for the whole database; under Citus it stays a local table on the coordinator',
};

const ACCOUNT_TABLES = [
  'accounts',
  'api_keys',
  'call_visits',
  'callback_checkpoints',
  'callback_conferences',
  'callbacks',
  'calls',
  'conferences',
  'ended_sessions',
  'events',
  'inbox',
  'participants',
  'recordings',
  'rooms',
];

interface UniqueIndex {
  table: string;
  index: string;
  /** null when the index leads with an expression. */
  first_column: string | null;
}

/**
 * Every unique index (primary keys and unique constraints have one) and exclusion constraint on the tables
 * of Conclave's schema and of this session's temporary schema, with the column it leads with.
 */
async function uniqueIndexes(db: Kysely<DB>): Promise<UniqueIndex[]> {
  const result = await sql<UniqueIndex>`
    SELECT t.relname AS table, i.relname AS index, a.attname AS first_column
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
    WHERE (x.indisunique OR x.indisexclusion)
      AND t.relnamespace IN (current_schema()::text::regnamespace::oid, pg_my_temp_schema())
    ORDER BY 1, 2`.execute(db);
  return result.rows;
}

async function notLeadingWithAccountSid(db: Kysely<DB>): Promise<UniqueIndex[]> {
  return (await uniqueIndexes(db)).filter((u) => !(u.table in UNSHARDED) && u.first_column !== 'account_sid');
}

describe.each(databaseKinds)('sharding by account_sid on $name', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await kind.create();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("every primary key and unique index of Conclave's tables leads with account_sid", async () => {
    expect(await notLeadingWithAccountSid(database.db)).toEqual([]);
    // Not vacuous: the keys of every account table were looked at.
    const tables = new Set((await uniqueIndexes(database.db)).map((u) => u.table));
    expect(
      [...tables].filter((t) => !(t in UNSHARDED)).sort(),
      'a new table needs a place in the Citus distribution plan (README) and in ACCOUNT_TABLES or UNSHARDED',
    ).toEqual(ACCOUNT_TABLES);
  });

  it('the check catches keys that do not lead with account_sid', async () => {
    const offenders = await database.db.transaction().execute(async (trx) => {
      await sql`CREATE TEMPORARY TABLE scratch (
        account_sid text, id text, PRIMARY KEY (account_sid, id)
      ) ON COMMIT DROP`.execute(trx);
      await sql`CREATE UNIQUE INDEX scratch_id_first ON scratch (id, account_sid)`.execute(trx);
      await sql`CREATE UNIQUE INDEX scratch_expression ON scratch (lower(id))`.execute(trx);
      return notLeadingWithAccountSid(trx);
    });
    expect(offenders).toEqual([
      { table: 'scratch', index: 'scratch_expression', first_column: null },
      { table: 'scratch', index: 'scratch_id_first', first_column: 'id' },
    ]);
  });
});
