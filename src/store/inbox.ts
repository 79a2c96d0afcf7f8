// Remembers every webhook delivery that was acted on, so that a redelivery answers what the first one did
// and changes nothing. A separate table, because many deliveries produce no event and must still count.

import type { Executor } from './executor.js';

/** Claims `key`; returns false when it was claimed before. */
export async function claimInboxKey(
  executor: Executor,
  accountSid: string,
  key: string,
  outcome: unknown,
): Promise<boolean> {
  const inserted = await executor
    .insertInto('inbox')
    .values({ account_sid: accountSid, key, outcome: JSON.stringify(outcome) })
    .onConflict((oc) => oc.doNothing())
    .returning('key')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function recordInboxOutcome(
  executor: Executor,
  accountSid: string,
  key: string,
  outcome: unknown,
): Promise<void> {
  await executor
    .updateTable('inbox')
    .set({ outcome: JSON.stringify(outcome) })
    .where('account_sid', '=', accountSid)
    .where('key', '=', key)
    .execute();
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
