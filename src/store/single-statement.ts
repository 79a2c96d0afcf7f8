// Several writes sent as one statement, each a data-modifying WITH query, so that they cost a transaction
// one round trip instead of one each. PostgreSQL runs them on one snapshot and in no set order, so they
// must touch different rows, and none may depend on another's effect.

import { type OperationNodeSource, sql } from 'kysely';
import type { Executor } from './executor.js';

/**
 * Runs `writes` and `counted` together; `counted` must each have a RETURNING clause, and how many rows
 * each returned comes back, in order.
 */
export async function writeInOneStatement(
  executor: Executor,
  writes: OperationNodeSource[],
  counted: OperationNodeSource[] = [],
): Promise<number[]> {
  const all = [...writes, ...counted];
  if (all.length === 0) return [];
  const name = (i: number) => sql.id(`write_${i}`);
  const counts = counted.map((_, i) => sql`(SELECT count(*) FROM ${name(writes.length + i)})::int`);
  const result = await sql<{ counts: number[] }>`
    WITH ${sql.join(all.map((write, i) => sql`${name(i)} AS (${write})`))}
    SELECT ARRAY[${sql.join(counts.length === 0 ? [sql`0`] : counts)}] AS counts`.execute(executor);
  return (result.rows[0]?.counts ?? []).slice(0, counted.length);
}
