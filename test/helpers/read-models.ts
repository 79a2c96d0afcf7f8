// Snapshots of the derived tables, for comparing what two histories or two derivations produced.

import { sql } from 'kysely';
import type { Database } from '../../src/store/database.js';
import { DERIVED_TABLES } from '../../src/store/schema.js';

export async function readModels(database: Database): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of DERIVED_TABLES) {
    const rows = await sql<{
      row: unknown;
    }>`SELECT to_jsonb(t) AS row FROM ${sql.table(table)} t ORDER BY 1`.execute(database.db);
    snapshot[table] = rows.rows.map((r) => r.row);
  }
  return snapshot;
}
