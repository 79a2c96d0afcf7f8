// The outbox of callbacks to the app: the checkpoint that says how far it was filled from the event log,
// the fold's state per conference, and the rows themselves with their claims (leases) and outcomes.

import { type Kysely, sql, type Transaction } from 'kysely';
import type { CallbackConference } from '../domain/callbacks.js';
import type { Executor } from './executor.js';
import { FEED_START, type FeedCursor } from './feed.js';
import type { DB } from './schema.js';

export type CallbackTarget = 'app' | 'account';
export type CallbackStatus = 'pending' | 'delivered' | 'failed';

export interface NewCallback {
  accountSid: string;
  conferenceSid: string;
  target: CallbackTarget;
  sequenceNumber: number;
  eventId: string;
  statusCallbackEvent: string;
  url: string;
  method: 'GET' | 'POST';
  params: { [name: string]: string };
  idempotencyToken: string;
  recordedAt: string;
}

/**
 * The account's fill checkpoint, locked for this transaction; undefined when another replica holds it
 * (it is filling this account's outbox now).
 */
export async function lockCheckpoint(
  trx: Transaction<DB>,
  accountSid: string,
): Promise<FeedCursor | undefined> {
  await trx
    .insertInto('callback_checkpoints')
    .values({ account_sid: accountSid })
    .onConflict((oc) => oc.column('account_sid').doNothing())
    .execute();
  const row = await trx
    .selectFrom('callback_checkpoints')
    .select(['transaction_id', 'global_position'])
    .where('account_sid', '=', accountSid)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (!row) return undefined;
  const cursor = { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) };
  return cursor.transactionId === 0n && cursor.globalPosition === 0n ? FEED_START : cursor;
}

/** The account's fill checkpoint as it stands, unlocked; FEED_START when it has none yet. */
export async function readCheckpoint(executor: Executor, accountSid: string): Promise<FeedCursor> {
  const row = await executor
    .selectFrom('callback_checkpoints')
    .select(['transaction_id', 'global_position'])
    .where('account_sid', '=', accountSid)
    .executeTakeFirst();
  return row
    ? { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) }
    : FEED_START;
}

export async function saveCheckpoint(trx: Transaction<DB>, accountSid: string, cursor: FeedCursor) {
  await trx
    .updateTable('callback_checkpoints')
    .set({ transaction_id: String(cursor.transactionId), global_position: String(cursor.globalPosition) })
    .where('account_sid', '=', accountSid)
    .execute();
}

export async function loadCallbackConferences(
  trx: Transaction<DB>,
  accountSid: string,
  conferenceSids: string[],
): Promise<Map<string, CallbackConference>> {
  if (conferenceSids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('callback_conferences')
    .select(['conference_sid', 'state'])
    .where('account_sid', '=', accountSid)
    .where('conference_sid', 'in', conferenceSids)
    .execute();
  return new Map(rows.map((row) => [row.conference_sid, row.state]));
}

export async function saveCallbackConferences(
  trx: Transaction<DB>,
  accountSid: string,
  states: Map<string, CallbackConference>,
) {
  if (states.size === 0) return;
  await trx
    .insertInto('callback_conferences')
    .values(
      [...states].map(([conferenceSid, state]) => ({
        account_sid: accountSid,
        conference_sid: conferenceSid,
        state: JSON.stringify(state),
      })),
    )
    .onConflict((oc) =>
      oc.columns(['account_sid', 'conference_sid']).doUpdateSet({ state: (eb) => eb.ref('excluded.state') }),
    )
    .execute();
}

export async function enqueueCallbacks(trx: Transaction<DB>, callbacks: NewCallback[]) {
  if (callbacks.length === 0) return;
  await trx
    .insertInto('callbacks')
    .values(
      callbacks.map((c) => ({
        account_sid: c.accountSid,
        conference_sid: c.conferenceSid,
        target: c.target,
        sequence_number: c.sequenceNumber,
        event_id: c.eventId,
        status_callback_event: c.statusCallbackEvent,
        url: c.url,
        method: c.method,
        params: JSON.stringify(c.params),
        idempotency_token: c.idempotencyToken,
        recorded_at: c.recordedAt,
      })),
    )
    .execute();
}

export async function accountEventsUrl(executor: Executor, accountSid: string): Promise<string | null> {
  const row = await executor
    .selectFrom('accounts')
    .select('events_url')
    .where('account_sid', '=', accountSid)
    .executeTakeFirst();
  return row?.events_url ?? null;
}

/**
 * Sets or (with null) clears the account's sink; false when there is no such account. The callbacks queued
 * for the sink and not yet delivered follow it: to the new URL, in their order, or, once it is cleared,
 * recorded as failed and never sent (one being sent keeps its lease, and is delivered if that attempt
 * succeeds). The account's fill waits meanwhile, so that none is queued for the old URL after they have
 * moved.
 */
export async function setEventsUrl(db: Kysely<DB>, accountSid: string, url: string | null): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('accounts')
      .set({ events_url: url })
      .where('account_sid', '=', accountSid)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await trx
      .insertInto('callback_checkpoints')
      .values({ account_sid: accountSid })
      .onConflict((oc) => oc.column('account_sid').doNothing())
      .execute();
    await trx
      .selectFrom('callback_checkpoints')
      .select('account_sid')
      .where('account_sid', '=', accountSid)
      .forUpdate()
      .execute();
    const queued = trx
      .updateTable('callbacks')
      .where('account_sid', '=', accountSid)
      .where('target', '=', 'account')
      .where('status', '=', 'pending');
    // Moved, they start afresh at the new URL: due now, backing off from the start, with a whole
    // CALLBACK_RETRY_FOR there.
    await (url === null
      ? queued.set({ status: 'failed', last_error: 'not sent: the events URL was cleared' })
      : queued.set({ url, next_attempt_at: sql<Date>`now()`, first_attempt_at: null, window_attempts: 0 })
    ).execute();
    return true;
  });
}

export async function accountSids(executor: Executor): Promise<string[]> {
  const rows = await executor.selectFrom('accounts').select('account_sid').orderBy('account_sid').execute();
  return rows.map((row) => row.account_sid);
}

/** A callback claimed for one attempt; `attempt` is the claim's token. */
export interface ClaimedCallback {
  accountSid: string;
  id: string;
  url: string;
  method: 'GET' | 'POST';
  params: { [name: string]: string };
  idempotencyToken: string;
  attempt: number;
  /** The attempt's number in its retry window (restarted by `callbacks retry` and a new events URL). */
  windowAttempt: number;
  authToken: string;
}

/**
 * Whether the deliverer holds the callback `row` (an alias of `callbacks`) for its conference's platform Sid:
 * never tried, its conference not named by the platform yet, and queued less than `sidWaitMs` ago. Counted by
 * the database's clock, as the claim's own `now()` is, so that no clock between the app and the database can
 * hold callbacks longer than the wait; a callback tried once already (put back by `callbacks retry`) has
 * waited, and is not held again. The claim and the list ask the same question.
 */
function heldForSid(row: 'h' | 'c', sidWaitMs: number) {
  const r = sql.raw(row);
  return sql<boolean>`(${r}.attempts = 0
    AND ${r}.enqueued_at > now() - make_interval(secs => ${sidWaitMs / 1000})
    AND NOT EXISTS (SELECT 1 FROM conferences n WHERE n.account_sid = ${r}.account_sid
      AND n.sid = ${r}.conference_sid AND n.platform_sid IS NOT NULL))`;
}

/**
 * Claims up to `limit` callbacks that are due, each the oldest pending one of its stream, for `leaseMs`.
 * A stream's next callback cannot be claimed while an earlier one is pending, and a leased one cannot be
 * claimed again before its lease runs out, so no callback is ever sent twice at once. A callback of a
 * conference the platform has not named yet waits until `sidWaitMs` after it was queued, so that the
 * platform's report, arriving meanwhile, gives it the Sid the app knows the conference by.
 */
export async function claimCallbacks(
  executor: Executor,
  limit: number,
  leaseMs: number,
  sidWaitMs = 0,
): Promise<ClaimedCallback[]> {
  const { rows } = await sql<{
    account_sid: string;
    id: string;
    url: string;
    method: 'GET' | 'POST';
    params: { [name: string]: string };
    idempotency_token: string;
    attempts: number;
    window_attempts: number;
    auth_token: string;
    platform_sid: string | null;
  }>`
    UPDATE callbacks c
    SET attempts = c.attempts + 1,
        window_attempts = c.window_attempts + 1,
        lease_until = now() + make_interval(secs => ${leaseMs / 1000}),
        last_attempt_at = now(),
        first_attempt_at = coalesce(c.first_attempt_at, now())
    FROM accounts a
    WHERE a.account_sid = c.account_sid
      AND (c.account_sid, c.id) IN (
        SELECT h.account_sid, h.id FROM callbacks h
        WHERE h.status = 'pending' AND h.next_attempt_at <= now()
          AND (h.lease_until IS NULL OR h.lease_until < now())
          ${sidWaitMs > 0 ? sql`AND NOT ${heldForSid('h', sidWaitMs)}` : sql``}
          AND NOT EXISTS (
            SELECT 1 FROM callbacks p
            WHERE p.account_sid = h.account_sid AND p.conference_sid = h.conference_sid
              AND p.target = h.target AND p.sequence_number < h.sequence_number AND p.status = 'pending')
        ORDER BY h.next_attempt_at
        LIMIT ${limit}
        FOR UPDATE OF h SKIP LOCKED)
    RETURNING c.account_sid, c.id, c.url, c.method, c.params, c.idempotency_token, c.attempts, c.window_attempts,
      a.auth_token,
      (SELECT f.platform_sid FROM conferences f
        WHERE f.account_sid = c.account_sid AND f.sid = c.conference_sid) AS platform_sid`.execute(executor);
  return rows.map((row) => ({
    accountSid: row.account_sid,
    id: String(row.id),
    url: row.url,
    method: row.method,
    // The platform's Sid, once it has reported one, is the conference's name to the app, as on Twilio: a
    // callback made from the log before the report arrived is sent with it all the same.
    params: row.platform_sid === null ? row.params : { ...row.params, ConferenceSid: row.platform_sid },
    idempotencyToken: row.idempotency_token,
    attempt: row.attempts,
    windowAttempt: row.window_attempts,
    authToken: row.auth_token,
  }));
}

/** What one attempt came to: a 2xx, or the answer or error that makes it go again after `retryInMs`. */
export interface AttemptOutcome {
  claimed: ClaimedCallback;
  delivered: boolean;
  status: number | null;
  error: string | null;
  retryInMs: number;
  /** Cut short by Conclave itself (a shutdown): not counted as an attempt, nor against the retry window. */
  released?: true;
}

/**
 * Records attempts in one statement: a delivered callback is done; a failed one is tried again after its
 * `retryInMs`, or, once `retryForMs` have passed since its first attempt (when it became due: the one
 * before it was done), recorded as failed; a released one goes again at once, as if never tried. An
 * attempt whose claim was lost (its lease ran out and another claim followed) changes nothing. One that
 * succeeded after its callback was failed unsent meanwhile (its events URL cleared) is delivered all the
 * same: it was. Returns what became of each recorded one, by id.
 */
export async function recordAttempts(
  executor: Executor,
  outcomes: AttemptOutcome[],
  retryForMs: number,
): Promise<Map<string, CallbackStatus>> {
  if (outcomes.length === 0) return new Map();
  const column = <T>(pick: (o: AttemptOutcome) => T) => outcomes.map(pick);
  // Its window restarted while the attempt was out (`callbacks retry`, a new events URL): the attempt's
  // failure neither backs off nor counts in the new window; the callback is due at once, as promised.
  const restarted = sql`c.window_attempts <> o.window_attempts`;
  const { rows } = await sql<{ id: string; status: CallbackStatus }>`
    UPDATE callbacks c
    SET status = CASE WHEN o.delivered THEN 'delivered'
          WHEN o.released THEN 'pending'
          WHEN now() - c.first_attempt_at >= make_interval(secs => ${retryForMs / 1000}) THEN 'failed'
          ELSE 'pending' END,
        attempts = CASE WHEN o.released THEN c.attempts - 1 ELSE c.attempts END,
        window_attempts = CASE WHEN o.released AND NOT ${restarted} THEN c.window_attempts - 1
          ELSE c.window_attempts END,
        first_attempt_at = CASE WHEN o.released AND NOT ${restarted} AND c.window_attempts = 1 THEN NULL
          ELSE c.first_attempt_at END,
        next_attempt_at = CASE WHEN o.delivered THEN c.next_attempt_at
          WHEN ${restarted} THEN now()
          ELSE now() + make_interval(secs => o.retry_in_ms / 1000) END,
        delivered_at = CASE WHEN o.delivered THEN now() END,
        lease_until = NULL,
        last_status = o.status,
        last_error = o.error
    FROM unnest(${column((o) => o.claimed.accountSid)}::text[], ${column((o) => o.claimed.id)}::bigint[],
      ${column((o) => o.claimed.attempt)}::int[], ${column((o) => o.delivered)}::bool[],
      ${column((o) => o.status)}::int[], ${column((o) => o.error)}::text[],
      ${column((o) => o.retryInMs)}::float8[], ${column((o) => o.released === true)}::bool[],
      ${column((o) => o.claimed.windowAttempt)}::int[])
      AS o(account_sid, id, attempts, delivered, status, error, retry_in_ms, released, window_attempts)
    WHERE c.account_sid = o.account_sid AND c.id = o.id AND c.attempts = o.attempts
      AND (c.status = 'pending' OR (o.delivered AND c.status = 'failed'))
    RETURNING c.id, c.status`.execute(executor);
  return new Map(rows.map((row) => [String(row.id), row.status]));
}

export interface CallbackRecord {
  accountSid: string;
  id: string;
  conferenceSid: string;
  target: CallbackTarget;
  sequenceNumber: number;
  statusCallbackEvent: string;
  url: string;
  method: 'GET' | 'POST';
  status: CallbackStatus;
  attempts: number;
  recordedAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  /** Pending and being tried by a deliverer now. */
  sending: boolean;
  /** Pending behind this earlier callback of its stream, which must be delivered or given up first. */
  waitingFor: string | null;
  /** Held until then for the platform to name its conference (CALLBACK_SID_WAIT). */
  heldUntil: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

export interface CallbackFilter {
  accountSid?: string;
  conferenceSid?: string;
  status?: CallbackStatus;
  limit: number;
  /** CALLBACK_SID_WAIT, in ms, to tell which callbacks are held for the platform's Sid. */
  sidWaitMs?: number;
}

/**
 * Callbacks, newest first. A conference is named as its app knows it: by the platform's Sid once the
 * platform has reported one (what each try after the report carries), else by the Sid Conclave minted; the
 * conference filter takes either.
 */
export async function listCallbacks(executor: Executor, filter: CallbackFilter): Promise<CallbackRecord[]> {
  let query = executor
    .selectFrom('callbacks as c')
    .leftJoin('conferences as f', (join) =>
      join.onRef('f.account_sid', '=', 'c.account_sid').onRef('f.sid', '=', 'c.conference_sid'),
    )
    .select([
      'c.account_sid',
      'c.id',
      'c.conference_sid',
      'f.platform_sid',
      'c.target',
      'c.sequence_number',
      'c.status_callback_event',
      'c.url',
      'c.method',
      'c.status',
      'c.attempts',
      'c.recorded_at',
      'c.last_attempt_at',
      'c.next_attempt_at',
      'c.last_status',
      'c.last_error',
      'c.delivered_at',
      sql<boolean>`c.status = 'pending' AND c.lease_until > now()`.as('sending'),
      // Until when the deliverer holds it for the platform's Sid, given the wait the servers run with.
      sql<Date | null>`CASE WHEN c.status = 'pending' AND ${heldForSid('c', filter.sidWaitMs ?? 0)}
        THEN c.enqueued_at + make_interval(secs => ${(filter.sidWaitMs ?? 0) / 1000}) END`.as('held_until'),
      // The callback of its stream that it waits behind, as the deliverer sends a stream in order.
      sql<string | null>`(SELECT min(p.id) FROM callbacks p
        WHERE p.account_sid = c.account_sid AND p.conference_sid = c.conference_sid AND p.target = c.target
          AND p.sequence_number < c.sequence_number AND p.status = 'pending' AND c.status = 'pending')`.as(
        'waiting_for',
      ),
    ]);
  if (filter.accountSid !== undefined) query = query.where('c.account_sid', '=', filter.accountSid);
  const { conferenceSid } = filter;
  if (conferenceSid !== undefined)
    query = query.where((eb) =>
      eb.or([eb('c.conference_sid', '=', conferenceSid), eb('f.platform_sid', '=', conferenceSid)]),
    );
  if (filter.status !== undefined) query = query.where('c.status', '=', filter.status);
  const rows = await query.orderBy('c.id', 'desc').limit(filter.limit).execute();
  return rows.map((row) => ({
    accountSid: row.account_sid,
    id: String(row.id),
    conferenceSid: row.platform_sid ?? row.conference_sid,
    target: row.target,
    sequenceNumber: row.sequence_number,
    statusCallbackEvent: row.status_callback_event,
    url: row.url,
    method: row.method,
    status: row.status,
    attempts: row.attempts,
    recordedAt: row.recorded_at,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    sending: row.sending === true,
    waitingFor: row.waiting_for === null ? null : String(row.waiting_for),
    heldUntil: row.held_until,
    lastStatus: row.last_status,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
  }));
}

/**
 * Puts failed callbacks back in line, due now and with a fresh retry window; returns how many. One for the
 * account's events URL goes to that URL as it is now, and stays failed while the account has none. One
 * failed while it was being sent keeps that attempt's lease, so that it is never sent twice at once.
 */
export async function retryFailed(
  executor: Executor,
  filter: { accountSid?: string; id?: string },
): Promise<number> {
  let query = executor
    .updateTable('callbacks as c')
    .from('accounts as a')
    .set((eb) => ({
      status: 'pending',
      // Never null: a row for the events URL is taken only while the account has one (below).
      url: sql<string>`CASE WHEN ${eb.ref('c.target')} = 'account' THEN ${eb.ref('a.events_url')} ELSE ${eb.ref('c.url')} END`,
      next_attempt_at: sql<Date>`now()`,
      enqueued_at: sql<Date>`now()`,
      first_attempt_at: null,
      window_attempts: 0,
    }))
    .whereRef('a.account_sid', '=', 'c.account_sid')
    .where('c.status', '=', 'failed')
    .where((eb) => eb.or([eb('c.target', '!=', 'account'), eb('a.events_url', 'is not', null)]));
  if (filter.accountSid !== undefined) query = query.where('c.account_sid', '=', filter.accountSid);
  if (filter.id !== undefined) query = query.where('c.id', '=', filter.id);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface CallbackCounts {
  delivered: number;
  pending: number;
  failed: number;
  /** Seconds since the oldest pending callback's event was recorded; 0 when none is pending. */
  lagSeconds: number;
  lastError: string | null;
}

/** Counts by status, for one account (and one target or conference) or, with no filter, all of them. */
export async function callbackCounts(
  executor: Executor,
  filter: { accountSid?: string; conferenceSid?: string; target?: CallbackTarget } = {},
): Promise<CallbackCounts> {
  let query = executor.selectFrom('callbacks').select([
    sql<string>`count(*) FILTER (WHERE status = 'delivered')`.as('delivered'),
    sql<string>`count(*) FILTER (WHERE status = 'pending')`.as('pending'),
    sql<string>`count(*) FILTER (WHERE status = 'failed')`.as('failed'),
    sql<number>`coalesce(extract(epoch FROM now() - min(recorded_at) FILTER (WHERE status = 'pending')), 0)::float8`.as(
      'lag',
    ),
    sql<string | null>`(array_agg(last_error ORDER BY last_attempt_at DESC NULLS LAST)
        FILTER (WHERE last_error IS NOT NULL AND status <> 'delivered'))[1]`.as('last_error'),
  ]);
  if (filter.accountSid !== undefined) query = query.where('account_sid', '=', filter.accountSid);
  if (filter.conferenceSid !== undefined) query = query.where('conference_sid', '=', filter.conferenceSid);
  if (filter.target !== undefined) query = query.where('target', '=', filter.target);
  const row = await query.executeTakeFirstOrThrow();
  return {
    delivered: Number(row.delivered),
    pending: Number(row.pending),
    failed: Number(row.failed),
    lagSeconds: Math.max(0, Number(row.lag)),
    lastError: row.last_error,
  };
}

/** What is still to deliver, across all accounts, read from the partial indexes only (for /metrics). */
export async function callbackBacklog(executor: Executor) {
  const row = await executor
    .selectFrom('callbacks')
    .select([
      sql<string>`count(*) FILTER (WHERE status = 'pending')`.as('pending'),
      sql<string>`count(*) FILTER (WHERE status = 'failed')`.as('failed'),
      sql<number>`coalesce(extract(epoch FROM now() - min(recorded_at) FILTER (WHERE status = 'pending')), 0)::float8`.as(
        'lag',
      ),
    ])
    .where('status', 'in', ['pending', 'failed'])
    .executeTakeFirstOrThrow();
  return {
    pending: Number(row.pending),
    failed: Number(row.failed),
    lagSeconds: Math.max(0, Number(row.lag)),
  };
}
