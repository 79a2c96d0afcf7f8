// A statement whose text never changes, built and compiled once: each run sends that text with the rows of
// the run in place of the placeholders it was built with. The group commit's write is a dozen statements
// in one, with ON CONFLICT clauses and column lists; building and compiling it with Kysely for every batch
// was about a seventh of the server's CPU per webhook (docs/write-path.md).

import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type RawBuilder,
} from 'kysely';
import { Placeholder } from './bulk-write.js';
import type { Executor } from './executor.js';
import type { DB } from './schema.js';

type Parts<Rows> = { [Part in keyof Rows]: unknown[] };

/** The placeholders a statement is built with: one for each part of its rows. */
type Placeholders<Rows extends Parts<Rows>> = { [Part in keyof Rows]-?: Placeholder<Rows[Part][number]> };

// Builds and compiles without a connection, in the public schema's unqualified names, so that the text does
// not depend on the executor of the first run (one made by withSchema would qualify every table).
const compiler = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

export class FixedStatement<Rows extends Parts<Rows>, Result> {
  private readonly compiled: CompiledQuery;

  /**
   * `build` makes the statement from an executor and a placeholder for each part of `Rows`, every one of
   * which it must use once; `parts` names them all.
   */
  constructor(
    parts: { [Part in keyof Rows]-?: true },
    build: (executor: Executor, placeholders: Placeholders<Rows>) => RawBuilder<Result>,
  ) {
    const placeholders = Object.fromEntries(Object.keys(parts).map((part) => [part, new Placeholder(part)]));
    this.compiled = build(compiler, placeholders as Placeholders<Rows>).compile(compiler);
    const used = this.compiled.parameters.filter((parameter) => parameter instanceof Placeholder);
    for (const part of Object.keys(parts)) {
      if (used.filter((placeholder) => placeholder.name === part).length !== 1) {
        throw new Error(`a fixed statement must use its placeholder for ${part} once`);
      }
    }
  }

  /** Runs the statement with `rows` in place of its placeholders. */
  execute(executor: Executor, rows: Rows): Promise<QueryResult<Result>> {
    const parameters = this.compiled.parameters.map((parameter) =>
      parameter instanceof Placeholder ? JSON.stringify(rows[parameter.name as keyof Rows]) : parameter,
    );
    return executor.executeQuery(CompiledQuery.raw(this.compiled.sql, parameters));
  }
}
