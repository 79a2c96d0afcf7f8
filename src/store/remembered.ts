// Lookups that authenticate requests would each cost a round trip: an answer is reused for a short time,
// and lookups of one key in flight at once share one query. Misses are remembered too, so that a known
// name and an unknown one take the same time to refuse.

import type { Executor } from './executor.js';

/** How long a looked-up credential is trusted: a changed or revoked one takes effect within this time. */
export const REMEMBER_MS = 2000;
// Beyond this many keys remembered (a flood of made-up ones, say), the memory starts afresh.
const MAX_REMEMBERED = 10_000;

interface Remembered<T> {
  answer: Promise<T>;
  until: number;
}

export function remembered<T>(
  lookup: (executor: Executor, key: string) => Promise<T>,
): (executor: Executor, key: string, now?: number) => Promise<T> {
  const memory = new WeakMap<Executor, Map<string, Remembered<T>>>();
  return (executor, key, now = Date.now()) => {
    let answers = memory.get(executor);
    if (answers === undefined) {
      answers = new Map();
      memory.set(executor, answers);
    }
    const known = answers.get(key);
    if (known !== undefined && known.until > now) return known.answer;
    if (answers.size >= MAX_REMEMBERED) answers.clear();
    const answer = lookup(executor, key);
    const entry = { answer, until: now + REMEMBER_MS };
    answers.set(key, entry);
    // A failed lookup (the database away) is not an answer: the next request asks again.
    answer.catch(() => {
      if (answers.get(key) === entry) answers.delete(key);
    });
    return answer;
  };
}
