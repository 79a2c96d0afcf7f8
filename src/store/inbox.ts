// Remembers every webhook delivery that was acted on, so that a redelivery answers what the first one did
// and changes nothing. A separate table, because many deliveries produce no event and must still count.
// The key is claimed together with the call's lock (locks.ts), before anything is decided.

import type { Executor } from './executor.js';

/** The statement that records what a claimed delivery came to. */
export function recordInboxOutcome(executor: Executor, accountSid: string, key: string, outcome: unknown) {
  return executor
    .updateTable('inbox')
    .set({ outcome: JSON.stringify(outcome) })
    .where('account_sid', '=', accountSid)
    .where('key', '=', key);
}

export async function findInboxOutcome(
  executor: Executor,
  accountSid: string,
  key: string,
): Promise<unknown> {
  const row = await executor
    .selectFrom('inbox')
    .select('outcome')
    .where('account_sid', '=', accountSid)
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.outcome;
}
