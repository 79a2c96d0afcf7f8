// A statement whose text never changes, built and compiled once: each run sends that text with the rows of
// the run in place of the placeholders it was built with. The group commit's write is a dozen statements
// in one, with ON CONFLICT clauses and column lists; building and compiling it with Kysely for every batch
// cost PGlite's server, whose one thread runs everything, about 6 % of its time (docs/write-path.md).

import { CompiledQuery, type QueryResult, type RawBuilder } from 'kysely';
import { Placeholder } from './bulk-write.js';
import type { Executor } from './executor.js';

/** Rows by part: each part is the rows of one of the statement's parameters. */
export type Parts<Rows> = { [Part in keyof Rows]: unknown[] };

/** The placeholders a statement is built with: one for each part of its rows. */
export type Placeholders<Rows extends Parts<Rows>> = {
  [Part in keyof Rows]: Placeholder<Rows[Part][number]>;
};

export class FixedStatement<Rows extends Parts<Rows>, Result> {
  private compiled: CompiledQuery | undefined;

  /**
   * `build` makes the statement with a placeholder for each of `parts`, on the executor of the first
   * run. It must name its tables unqualified, so that its text is the same for every executor it is run
   * on.
   */
  constructor(
    private readonly parts: readonly (keyof Rows & string)[],
    private readonly build: (executor: Executor, placeholders: Placeholders<Rows>) => RawBuilder<Result>,
  ) {}

  /** Runs the statement with `rows` in place of its placeholders. */
  execute(executor: Executor, rows: Rows): Promise<QueryResult<Result>> {
    if (this.compiled === undefined) {
      const placeholders = Object.fromEntries(this.parts.map((part) => [part, new Placeholder(part)]));
      this.compiled = this.build(executor, placeholders as Placeholders<Rows>).compile(executor);
    }
    const parameters = this.compiled.parameters.map((parameter) =>
      parameter instanceof Placeholder ? JSON.stringify(rows[parameter.name as keyof Rows]) : parameter,
    );
    return executor.executeQuery(CompiledQuery.raw(this.compiled.sql, parameters));
  }
}
