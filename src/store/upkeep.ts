// PGlite runs PostgreSQL inside the process, without its background workers, so autovacuum never runs
// there: the row versions that updates leave behind are never reclaimed (rooms, calls and read models are
// updated on every webhook, so their tables would only grow), and tables are never analysed, so a plan
// made while a table was nearly empty would be kept for the life of the process (`docs/write-path.md`).
// The embedded server does autovacuum's work itself, by autovacuum's default rules. On PostgreSQL,
// autovacuum does it.

import { sql } from 'kysely';
import type { Database } from './database.js';
import type { Executor } from './executor.js';

/** How often the embedded server looks for tables due: autovacuum's default pause between looks. */
export const UPKEEP_INTERVAL_MS = 60_000;

export interface TableUpkeep {
  table: string;
  vacuumed: boolean;
  analysed: boolean;
}

interface Due {
  schema: string;
  table: string;
  vacuum: boolean;
  analyse: boolean;
}

// Autovacuum's default rules, with its default settings: a table is vacuumed once enough of its rows are
// dead or new since the last vacuum, or once its oldest unfrozen transaction id is old enough that it must
// be frozen before ids wrap around; analysed once enough of its rows changed. Analysing a table of a
// million rows takes a quarter of a second on PGlite, so a table that did not change enough is left
// alone. The catalogs count as well (each analysis writes rows of pg_statistic); TOAST tables are vacuumed
// with the tables they belong to.
async function tablesDue(executor: Executor): Promise<Due[]> {
  // A backend reports its statistics at most once a second; PGlite, with no timer to report them when
  // idle, would hold back the last second's. Asked, it reports them once this statement ends.
  await sql`SELECT pg_stat_force_next_flush()`.execute(executor);
  const { rows } = await sql<Due>`
    SELECT s.schemaname AS schema, s.relname AS table,
           s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
             OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0)
             OR age(c.relfrozenxid) > current_setting('autovacuum_freeze_max_age')::bigint AS vacuum,
           s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) AS analyse
    FROM pg_stat_all_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname <> 'pg_toast'
    ORDER BY s.schemaname, s.relname`.execute(executor);
  return rows.filter((row) => row.vacuum || row.analyse);
}

/**
 * Vacuums the tables with enough dead or new rows, so that updates reuse their space, and analyses those
 * with enough changed rows, which refreshes the planner's statistics and drops the plans made with the old
 * ones. One table per statement: each waits for the session like any statement, between transactions,
 * and webhooks go on between them. Returns what it did; should a statement fail, the tables after it
 * wait for the next run.
 */
export async function upkeep(database: Database): Promise<TableUpkeep[]> {
  const done: TableUpkeep[] = [];
  for (const due of await tablesDue(database.db)) {
    const table = sql.id(due.schema, due.table);
    const statement = !due.vacuum
      ? sql`ANALYZE ${table}`
      : due.analyse
        ? sql`VACUUM (ANALYZE) ${table}`
        : sql`VACUUM ${table}`;
    await statement.execute(database.db);
    done.push({ table: due.table, vacuumed: due.vacuum, analysed: due.analyse });
  }
  return done;
}
