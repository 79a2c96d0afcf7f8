// Statements whose text never changes are sent as named prepared statements on PostgreSQL: each
// connection parses and plans them once, instead of at every execution. The store marks them by executing
// them through `executePrepared`; the pool (database.ts) sends any text marked so under its name.

import type { QueryResult, RawBuilder } from 'kysely';
import type { Executor } from './executor.js';

const names = new Map<string, string>();

/** The name a marked statement text is prepared under, or undefined for any other text. */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}

/** Executes `statement`, whose text must be the same at every call, as a prepared statement. */
export function executePrepared<R>(executor: Executor, statement: RawBuilder<R>): Promise<QueryResult<R>> {
  const compiled = statement.compile(executor);
  if (!names.has(compiled.sql)) names.set(compiled.sql, `conclave_${names.size + 1}`);
  return executor.executeQuery(compiled);
}
