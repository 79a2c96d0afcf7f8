// Many rows in one INSERT or UPDATE, sent as one JSON document that json_to_recordset (or, joined to a
// table, batch_rows and json_to_record) spreads back into rows: the statement stays the same whatever the
// number of rows (and, for an UPDATE, whatever columns each row changes), so that it is prepared once; the
// driver serialises one string (natively, not value by value), and a large batch (a rebuild's) costs
// little more per row than the rows themselves.

import { type Insertable, type RawBuilder, sql, type Updateable } from 'kysely';
import type { Executor } from './executor.js';
import type { DB } from './schema.js';

type PostgresType = 'text' | 'boolean' | 'bigint' | 'timestamptz' | 'jsonb';

/** The columns to write and PostgreSQL's type of each, which the arrays are read as. */
export type ColumnTypes<T extends keyof DB> = { [Column in keyof DB[T] & string]?: PostgresType };

// Rows per statement: thousands of rows cost a statement little, and the arrays stay a few megabytes.
const ROWS_PER_STATEMENT = 5000;

/**
 * Stands for a statement's rows where the statement is built once and run many times
 * (`fixed-statement.ts`): it goes into the compiled parameters in place of the rows' JSON document.
 */
export class Placeholder<Row> {
  /** Never set: it types the placeholder by the rows it stands for. */
  declare readonly row?: Row;

  constructor(readonly name: string) {}
}

/** A statement's rows, or the placeholder that its runs fill in. */
export type RowsOf<Row> = Row[] | Placeholder<Row>;

/** The parameter that carries `rows`: their JSON document, or the placeholder standing for it. */
const rowsParameter = <Row>(rows: RowsOf<Row>) => (rows instanceof Placeholder ? rows : JSON.stringify(rows));

/**
 * `rows` as the relation `alias` of `columns` (`name type, …`), for a statement that joins them to a table.
 * They come through batch_rows (sql/009), whose row estimate makes the planner look each up by key rather
 * than read the whole table to hash it.
 */
export const rowsToJoin = <Row>(rows: RowsOf<Row>, alias: string, columns: RawBuilder<unknown>) =>
  sql`batch_rows(${rowsParameter(rows)}::json) AS ${sql.raw(`${alias}_rows`)} (document)
      CROSS JOIN LATERAL json_to_record(${sql.raw(`${alias}_rows`)}.document) AS ${sql.raw(alias)} (${columns})`;

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
  rows: RowsOf<Insertable<DB[T]>>,
) {
  const columns = Object.entries(types) as [string, PostgresType][];
  // A jsonb column's value comes as its JSON text (as Kysely takes it), read as text and then parsed.
  const read = (type: PostgresType) => sql.raw(type === 'jsonb' ? 'text' : type);
  return executor
    .insertInto(table)
    .columns(columns.map(([column]) => column) as never)
    .expression(
      sql`SELECT ${sql.join(columns.map(([column, type]) => sql`${sql.ref(column)}::${sql.raw(type)}`))}
          FROM json_to_recordset(${rowsParameter(rows)}::json)
          AS row (${sql.join(columns.map(([column, type]) => sql`${sql.ref(column)} ${read(type)}`))})`,
    );
}

/** Inserts `rows`, or, for a row whose `key` is taken, puts the new values in place of the old. */
export function upsertRows<T extends keyof DB & string>(
  executor: Executor,
  table: T,
  types: ColumnTypes<T>,
  key: (keyof DB[T] & string)[],
  rows: RowsOf<Insertable<DB[T]>>,
) {
  const values = Object.keys(types).filter((column) => !(key as string[]).includes(column));
  return insertRows(executor, table, types, rows).onConflict((oc) =>
    oc
      .columns(key as never)
      .doUpdateSet(
        (eb) =>
          Object.fromEntries(
            values.map((column) => [column, eb.ref(`excluded.${column}` as never)]),
          ) as never,
      ),
  );
}

/** A row to update: its key columns and values, and, as one object, the columns it changes. */
export type ChangeRow<T extends keyof DB & string> = Partial<Record<keyof DB[T] & string, string>> & {
  changed: Updateable<DB[T]>;
};

/**
 * Updates each row named by `key` with the columns its change names; a column it leaves out keeps its
 * value. `types` names every column a change may set, and the key columns, which are text.
 */
export function updateRows<T extends keyof DB & string>(
  table: T,
  types: ColumnTypes<T>,
  key: (keyof DB[T] & string)[],
  changes: RowsOf<ChangeRow<T>>,
) {
  const columns = (Object.entries(types) as [string, PostgresType][]).filter(
    ([column]) => !(key as string[]).includes(column),
  );
  const value = (column: string, type: PostgresType) =>
    type === 'jsonb'
      ? sql`w.changed -> ${sql.lit(column)}`
      : sql`(w.changed ->> ${sql.lit(column)})::${sql.raw(type)}`;
  return sql`
    UPDATE ${sql.table(table)} AS t SET ${sql.join(
      columns.map(
        ([column, type]) =>
          sql`${sql.ref(column)} = CASE WHEN w.changed ? ${sql.lit(column)} THEN ${value(column, type)} ELSE t.${sql.ref(column)} END`,
      ),
    )}
    FROM ${rowsToJoin(changes, 'w', sql.join([...key.map((column) => sql`${sql.ref(column)} text`), sql`changed jsonb`]))}
    WHERE ${sql.join(
      key.map((column) => sql`t.${sql.ref(column)} = w.${sql.ref(column)}`),
      sql` AND `,
    )}`;
}
