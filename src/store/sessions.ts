// Dashboard sessions that a logout ended before their expiry, kept where every replica sees them.

import type { Executor } from './executor.js';

/** Records that the session `sessionId` of `accountSid` has ended; rows of sessions now expired anyway go. */
export async function endSession(
  executor: Executor,
  accountSid: string,
  sessionId: string,
  expiresAt: Date,
  now: Date,
): Promise<void> {
  await executor
    .insertInto('ended_sessions')
    .values({ account_sid: accountSid, session_id: sessionId, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['account_sid', 'session_id']).doNothing())
    .execute();
  await executor.deleteFrom('ended_sessions').where('expires_at', '<=', now).execute();
}

export async function isSessionEnded(
  executor: Executor,
  accountSid: string,
  sessionId: string,
): Promise<boolean> {
  const row = await executor
    .selectFrom('ended_sessions')
    .select('session_id')
    .where('account_sid', '=', accountSid)
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return row !== undefined;
}
