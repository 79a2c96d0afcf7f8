// Statements go to PostgreSQL as named prepared statements, so that each connection parses a text once
// instead of at every execution, and plans it once where a transaction does not ask for fresh plans
// (webhook transactions do: `transactionSettings` in locks.ts). The write path's statements carry their
// rows as one JSON document, so their texts repeat whatever the batch (bench/analysis.md has the
// measurements). A text is prepared from its second use, so that one run once (a migration, a scratch
// schema's) is not kept by every connection, or from its first when it is registered (`preparedQuery`).
// A name is never given to another text, since a connection keeps what it prepared under it; and the
// texts named and counted are bounded, so that a process fed ever new texts does not grow. The pg pool
// (database.ts) and PGlite (pglite-prepared.ts) both ask here.

import { CompiledQuery } from 'kysely';

/** Texts given a name at most; past it, new texts are sent unnamed. */
export const MAX_PREPARED = 500;
/** Texts seen once that are remembered at most; past it, they are forgotten and counting starts over. */
export const MAX_COUNTED = 2000;

const names = new Map<string, string>();
const usedOnce = new Set<string>();

function name(text: string): string | undefined {
  if (names.size >= MAX_PREPARED) return undefined;
  const given = `conclave_${names.size + 1}`;
  names.set(text, given);
  return given;
}

/** The name `text` is prepared under, or undefined to send it unnamed this time. */
export function preparedName(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined) return known;
  if (usedOnce.delete(text)) return name(text);
  // Texts run once pile up in a long-lived process; forgetting them all leaves room to see the next text
  // that repeats, which a full set would never count.
  if (usedOnce.size >= MAX_COUNTED) usedOnce.clear();
  usedOnce.add(text);
  return undefined;
}

/** `text` as a query to execute with `parameters`, prepared from its first use. */
export function preparedQuery(text: string): (parameters: readonly unknown[]) => CompiledQuery {
  if (!names.has(text)) name(text);
  return (parameters) => CompiledQuery.raw(text, [...parameters]);
}
