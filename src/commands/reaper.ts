// The reaper: participants still connected after longer than any call lasts lost their leave on the way
// (the platform gave up delivering it). Each is taken out by a TimeOutParticipant command through the
// webhook path, so the leave is an event in the log like any other, its conference completes by the usual
// rules, and a rebuild reproduces it.

import { sql } from 'kysely';
import { ulid } from 'ulid';
import type { Database } from '../store/database.js';
import { deliver } from './deliver.js';

export interface ReapOptions {
  /** The time to judge by, in ms since the epoch: the reaper reads no clock of its own. */
  now: number;
  /** Seconds a participant may stay connected before it is taken to have gone (MAX_CALL_DURATION). */
  maxCallDuration: number;
}

export interface Reaped {
  /** Participants found connected for too long. */
  found: number;
  /** Of those, the ones this sweep timed out: a webhook may have got there first, or a moderator's time-out
   * may have ended the conference, taking the others out with it. */
  timedOut: number;
}

const BATCH = 500;
/** 'Conc': any constant of our own will do; replicas agree on it, so only one of them sweeps at a time. */
const SWEEP_LOCK = 0x436f6e63;

interface Stale {
  account_sid: string;
  friendly_name: string;
  conference_sid: string;
  call_sid: string;
  date_created: Date;
}

/**
 * Times out every participant connected since `now - maxCallDuration` or earlier. Returns null without doing
 * anything when another replica is sweeping.
 */
export async function reap(database: Database, options: ReapOptions): Promise<Reaped | null> {
  // PGlite is one process with one session over its own data: no other replica can be sweeping.
  if (database.kind === 'pglite') return sweep(database, options);
  return database.db.connection().execute(async (session) => {
    // A session lock on a connection set aside for it, so that a replica that dies mid-sweep frees it at
    // once; the commands themselves run on other connections of the pool, each in its own transaction.
    const { rows } = await sql<{ got: boolean }>`SELECT pg_try_advisory_lock(${SWEEP_LOCK}) AS got`.execute(
      session,
    );
    if (!rows[0]?.got) return null;
    try {
      return await sweep(database, options);
    } finally {
      await sql`SELECT pg_advisory_unlock(${SWEEP_LOCK})`.execute(session);
    }
  });
}

async function sweep(database: Database, { now, maxCallDuration }: ReapOptions): Promise<Reaped> {
  const joinedBefore = new Date(now - maxCallDuration * 1000);
  const reaped: Reaped = { found: 0, timedOut: 0 };
  let after: Stale | undefined;
  for (;;) {
    const batch = await staleParticipants(database, joinedBefore, after);
    for (const stale of batch) {
      reaped.found += 1;
      const handled = await deliver(database.db, {
        accountSid: stale.account_sid,
        // One key per stay: a sweep that is retried changes nothing, a later stay of the call is a new one.
        key: `reaper ${stale.conference_sid} ${stale.call_sid} ${stale.date_created.toISOString()}`,
        command: {
          type: 'TimeOutParticipant',
          // Not a monotonic factory: the store numbers a command's events upwards from its id.
          id: ulid(now),
          at: new Date(now).toISOString(),
          data: { callSid: stale.call_sid, conferenceSid: stale.conference_sid, maxCallDuration },
        },
        room: stale.friendly_name,
      });
      if ('outcome' in handled && !handled.duplicate && handled.outcome.result === 'applied') {
        reaped.timedOut += 1;
      }
    }
    if (batch.length < BATCH) return reaped;
    after = batch[batch.length - 1];
  }
}

/** Connected participants who joined at or before `joinedBefore`, in key order after `after`. */
function staleParticipants(database: Database, joinedBefore: Date, after: Stale | undefined) {
  let query = database.db
    .selectFrom('participants as p')
    .innerJoin('conferences as c', (join) =>
      join.onRef('c.account_sid', '=', 'p.account_sid').onRef('c.sid', '=', 'p.conference_sid'),
    )
    .select(['p.account_sid', 'c.friendly_name', 'p.conference_sid', 'p.call_sid', 'p.date_created'])
    .where('p.status', '=', 'connected')
    .where('p.date_created', '<=', joinedBefore);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb(
        eb.refTuple('p.account_sid', 'p.conference_sid', 'p.call_sid'),
        '>',
        eb.tuple(after.account_sid, after.conference_sid, after.call_sid),
      ),
    );
  }
  return query
    .orderBy('p.account_sid')
    .orderBy('p.conference_sid')
    .orderBy('p.call_sid')
    .limit(BATCH)
    .execute();
}
