// Remembers every webhook delivery that was acted on, so that a redelivery answers what the first one did
// and changes nothing. A separate table, because many deliveries produce no event and must still count.
// The key is claimed together with the call's lock (locks.ts), before anything is decided, or, for a voice
// request without the platform's token, right after, once the call's visits say which key it is.

import type { Executor } from './executor.js';

/**
 * Claims `key` with `placeholder` as its outcome for now: true, or false when an earlier delivery holds it.
 * For a key that depends on what the transaction has locked (the call's visits), so it is claimed after.
 */
export async function claimKey(
  executor: Executor,
  accountSid: string,
  key: string,
  placeholder: unknown,
): Promise<boolean> {
  const claimed = await executor
    .insertInto('inbox')
    .values({ account_sid: accountSid, key, outcome: JSON.stringify(placeholder) })
    .onConflict((oc) => oc.doNothing())
    .returning('account_sid')
    .executeTakeFirst();
  return claimed !== undefined;
}

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
