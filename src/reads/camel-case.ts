// The read side sees the tables through camelCase column names: Kysely's CamelCasePlugin translates them
// to the database's snake_case on the way in and back on the way out, so a row arrives already in the shape
// the rest of the code reads.

import { CamelCasePlugin, type Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

type CamelCased<Row> = { [Column in keyof Row & string as CamelCase<Column>]: Row[Column] };

export type ReadDB = { [Table in keyof DB]: CamelCased<DB[Table]> };

export function camelCased(db: Kysely<DB>): Kysely<ReadDB> {
  // An event's data keeps its own keys; only column names are translated. The plugin changes names, not
  // values, so the same database is only seen under another type.
  return db.withPlugin(new CamelCasePlugin({ maintainNestedObjectKeys: true })) as unknown as Kysely<ReadDB>;
}
