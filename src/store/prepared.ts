// Statements whose text never changes are sent as named prepared statements on PostgreSQL: each
// connection parses and plans them once, instead of at every execution. A text is marked by being
// registered here (`preparedQuery`); the pool (database.ts) sends any registered text under its name.
// PGlite runs them as they come.

import { CompiledQuery } from 'kysely';

const names = new Map<string, string>();

function register(text: string): void {
  if (!names.has(text)) names.set(text, `conclave_${names.size + 1}`);
}

/** The name a registered text is prepared under, undefined for any other text. */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}

/** `text` as a query to execute with `parameters`, prepared on whichever connection runs it. */
export function preparedQuery(text: string): (parameters: readonly unknown[]) => CompiledQuery {
  register(text);
  return (parameters) => CompiledQuery.raw(text, [...parameters]);
}
