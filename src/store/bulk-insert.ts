// Many rows in one INSERT: one array per column, spread back into rows by unnest, so that the statement and
// its parameters grow with the columns rather than the rows, and a large batch (a rebuild's) costs the
// driver and PostgreSQL little more per row than the rows themselves.

import { type Insertable, sql } from 'kysely';
import type { Executor } from './executor.js';
import type { DB } from './schema.js';

type PostgresType = 'text' | 'boolean' | 'bigint' | 'timestamptz' | 'jsonb';

/** The columns to write and PostgreSQL's type of each, which the arrays are read as. */
export type ColumnTypes<T extends keyof DB> = { [Column in keyof DB[T] & string]?: PostgresType };

// Rows per statement: thousands of rows cost a statement little, and the arrays stay a few megabytes.
const ROWS_PER_STATEMENT = 5000;

/** `items` in runs short enough for one INSERT each. */
export function inChunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) out.push(items.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

export function insertRows<T extends keyof DB & string>(
  executor: Executor,
  table: T,
  types: ColumnTypes<T>,
  rows: Insertable<DB[T]>[],
) {
  const columns = Object.entries(types) as [string, PostgresType][];
  const arrays = columns.map(([column, type]) => {
    const values = rows.map((row) => (row as Record<string, unknown>)[column] ?? null);
    return sql`${sql.val(values)}::${sql.raw(type)}[]`;
  });
  return executor
    .insertInto(table)
    .columns(columns.map(([column]) => column) as never)
    .expression(sql`SELECT * FROM unnest(${sql.join(arrays)})`);
}
