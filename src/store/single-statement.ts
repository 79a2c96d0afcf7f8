// Several writes sent as one statement, each a data-modifying WITH query, so that they cost a transaction
// one round trip instead of one each. PostgreSQL runs them on one snapshot and in no set order, so they
// must touch different rows, and none may depend on another's effect.

import { type OperationNodeSource, sql } from 'kysely';
import type { Executor } from './executor.js';

/** The rows each of the `counted` writes returned, in order; the statement's one result row. */
export interface Counts {
  counts: number[];
}

/** `writes` and `counted` as one statement; `counted` must each have a RETURNING clause. */
export function inOneStatement(writes: OperationNodeSource[], counted: OperationNodeSource[] = []) {
  const all = [...writes, ...counted];
  const name = (i: number) => sql.id(`write_${i}`);
  const counts = counted.map((_, i) => sql`(SELECT count(*) FROM ${name(writes.length + i)})::int`);
  return sql<Counts>`
    WITH ${sql.join(all.map((write, i) => sql`${name(i)} AS (${write})`))}
    SELECT ${counts.length === 0 ? sql`ARRAY[]::int[]` : sql`ARRAY[${sql.join(counts)}]`} AS counts`;
}

/** How many rows each of the counted writes returned, in order, from the statement's result. */
export const countsOf = (rows: Counts[]): number[] => rows[0]?.counts ?? [];

/**
 * Runs `writes` and `counted` together; `counted` must each have a RETURNING clause, and how many rows
 * each returned comes back, in order.
 */
export async function writeInOneStatement(
  executor: Executor,
  writes: OperationNodeSource[],
  counted: OperationNodeSource[] = [],
): Promise<number[]> {
  if (writes.length + counted.length === 0) return [];
  const result = await inOneStatement(writes, counted).execute(executor);
  return countsOf(result.rows);
}
