// Re-derives the read models into a scratch schema, inside one snapshot of the database, and compares them
// row by row with the live ones. Nothing live is written.

import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../store/database.js';
import { DERIVED_TABLES, type DerivedTable } from '../store/schema.js';
import { type ReplayProgress, replay } from './rebuild.js';

export interface Difference {
  table: DerivedTable;
  /** `live`: a row the live table has and the rebuilt one lacks; `rebuilt`: the other way round. */
  side: 'live' | 'rebuilt';
  row: Record<string, unknown>;
}

export interface Verification {
  events: number;
  differences: Difference[];
}

// Rows that only serve as locks carry no derived state, so a rebuild has no reason to create them.
const DERIVED_ROWS: Record<DerivedTable, string> = {
  rooms: 'version > 0',
  calls: 'room IS NOT NULL OR ended',
  conferences: 'true',
  participants: 'true',
  recordings: 'true',
};

export async function verify(
  database: Database,
  limit = 100,
  progress?: ReplayProgress,
): Promise<Verification> {
  return database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const live =
        (await sql<{ name: string }>`SELECT current_schema() AS name`.execute(trx)).rows[0]?.name ?? 'public';
      const scratch = `conclave_verify_${randomBytes(6).toString('hex')}`;
      await sql`CREATE SCHEMA ${sql.id(scratch)}`.execute(trx);
      for (const table of DERIVED_TABLES) {
        await sql`CREATE TABLE ${sql.id(scratch, table)} (LIKE ${sql.id(live, table)} INCLUDING ALL)`.execute(
          trx,
        );
      }
      const summary = await replay(trx, trx.withSchema(scratch), progress);
      const differences: Difference[] = [];
      for (const table of DERIVED_TABLES) {
        const where = sql.raw(DERIVED_ROWS[table]);
        const liveRows = sql`SELECT * FROM ${sql.id(live, table)} WHERE ${where}`;
        const rebuiltRows = sql`SELECT * FROM ${sql.id(scratch, table)} WHERE ${where}`;
        const rows = await sql<{ side: 'live' | 'rebuilt'; row: Record<string, unknown> }>`
          SELECT 'live' AS side, to_jsonb(d) AS row FROM (${liveRows} EXCEPT ${rebuiltRows}) d
          UNION ALL
          SELECT 'rebuilt' AS side, to_jsonb(d) AS row FROM (${rebuiltRows} EXCEPT ${liveRows}) d
          LIMIT ${limit}`.execute(trx);
        differences.push(...rows.rows.map((r) => ({ table, side: r.side, row: r.row })));
      }
      await sql`DROP SCHEMA ${sql.id(scratch)} CASCADE`.execute(trx);
      return { events: summary.events, differences: differences.slice(0, limit) };
    });
}
