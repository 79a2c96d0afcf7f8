// PGlite runs PostgreSQL inside the process, without its background workers, so autovacuum never runs
// there: the row versions that updates leave behind are never reclaimed (rooms, calls and read models are
// updated on every webhook, so their tables would only grow), and tables are never analysed, so a plan
// made while a table was nearly empty would be kept for the life of the process (`docs/write-path.md`).
// The embedded server does autovacuum's work itself. On PostgreSQL, autovacuum does it.

import { sql } from 'kysely';
import type { Database } from './database.js';

/** How often the embedded server runs the upkeep: autovacuum's default interval between runs. */
export const UPKEEP_INTERVAL_MS = 60_000;

/**
 * Reclaims the row versions no transaction can see any more and refreshes the planner's statistics, which
 * drops the plans made with the old ones. It waits for the session like any statement, and runs between
 * transactions, never inside one. VACUUM reads only pages changed since the last run, ANALYZE a sample
 * of each table: milliseconds on an idle database, during which the embedded server answers nothing.
 */
export async function vacuumAndAnalyze(database: Database): Promise<void> {
  await sql`VACUUM (ANALYZE)`.execute(database.db);
}
