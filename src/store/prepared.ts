// Statements whose text never changes, prepared once per connection (pg's named statements), so that
// PostgreSQL parses and plans them once per connection instead of at every execution. A text is prepared
// by being registered here; the pool's connections (database.ts) look every text they run up. PGlite runs
// them as they come.

import { CompiledQuery } from 'kysely';

const names = new Map<string, string>();

/** `text` as a query to execute with `parameters`, prepared on whichever connection runs it. */
export function preparedQuery(text: string): (parameters: readonly unknown[]) => CompiledQuery {
  if (!names.has(text)) names.set(text, `conclave_${names.size + 1}`);
  return (parameters) => CompiledQuery.raw(text, [...parameters]);
}

/** The name a registered text is prepared under, undefined for any other text. */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}
