// The locks every webhook transaction takes, always in one order: the delivery's inbox key, then its call
// (and the call's visits), then its room(s) sorted by name, so that two transactions can never wait on each
// other in a cycle. A voice request without the platform's token claims its key last, once the call's
// visits name it: the key is the call's own, so whoever else wants it holds the call's lock first. A row
// is created on first use and locked by the same statement, an upsert whose update leaves the row as it
// was: on a conflict it waits for the row, locks it and returns its newest values, so that concurrent first
// users queue on it instead of failing, in one round trip instead of an insert and a SELECT … FOR UPDATE.

import { type RawBuilder, sql, type Transaction } from 'kysely';
import { type CallState, initialCallState } from '../domain/call.js';
import { initialRoomState, type RoomState } from '../domain/room.js';
import type { DB } from './schema.js';

/**
 * The settings every webhook transaction makes in its first statement. `lockTimeout` bounds each lock wait.
 * Its statements are planned afresh on each run, for the tables as they are: a prepared statement's
 * generic plan is made once and kept until the tables' statistics are next analysed, and one made while a
 * table was nearly empty may look a row up through an index that only shares the key's first column,
 * reading every row of the account for each (measured: 37 ms for 29 participants). Planning the batch's
 * write costs about half a millisecond, once per batch.
 */
export const transactionSettings = (lockTimeout: string) =>
  sql`SELECT set_config('lock_timeout', ${lockTimeout}, true), set_config('plan_cache_mode', 'force_custom_plan', true)`;

export interface LockedRoom {
  name: string;
  version: number;
  state: RoomState;
}

/** A call's visits to rooms through the voice webhook (sql/006): its count, and the last one's room. */
export interface VisitState {
  visit: number;
  room: string | null;
  turnedAway: boolean;
}

export const noVisit: VisitState = { visit: 0, room: null, turnedAway: false };

export interface Locked {
  call: CallState;
  /** The call's visits, when asked for (`withVisits`). */
  visits: VisitState;
  rooms: LockedRoom[];
}

/**
 * Claims the delivery's key in the inbox, with `placeholder` as its outcome for now, then locks its call
 * (when the command has one) and, `withVisits`, the call's visits, then `rooms` in sorted order: one
 * statement, in which each step is reached only through the one before it, so that the locks are taken in
 * that order. A redelivery waits on the first delivery's key, finds it taken and locks nothing: null. A
 * null `key` claims nothing: the caller claims its key later (`claimKey`), once the call's visits say
 * which it is. `lockTimeout` bounds every lock wait of the transaction, this statement's included.
 */
export async function claimAndLock(
  executor: Transaction<DB>,
  delivery: { accountSid: string; key: string | null; callSid: string | null; withVisits: boolean },
  placeholder: unknown,
  rooms: string[],
  lockTimeout: string,
): Promise<Locked | null> {
  const { accountSid, key, callSid } = delivery;
  const ctes = [
    sql`settings AS (${transactionSettings(lockTimeout)})`,
    key === null
      ? sql`claimed AS (SELECT ${accountSid}::text AS account_sid FROM settings)`
      : sql`claimed AS (
      INSERT INTO inbox (account_sid, key, outcome)
      SELECT ${accountSid}, ${key}, ${JSON.stringify(placeholder)}::jsonb FROM settings
      ON CONFLICT DO NOTHING
      RETURNING account_sid)`,
  ];
  let locking = sql`claimed`;
  const withVisits = callSid !== null && delivery.withVisits;
  if (callSid !== null) {
    ctes.push(sql`call AS (
      INSERT INTO calls (account_sid, call_sid, room)
      SELECT account_sid, ${callSid}, ${initialCallState.room} FROM claimed
      ON CONFLICT (account_sid, call_sid) DO UPDATE SET room = calls.room
      RETURNING room, ended)`);
    locking = sql`call`;
  }
  if (withVisits) {
    // Locked like the rest, not read: a plain read here would see the statement's snapshot, older than
    // what the transaction that held the call's lock before this one may have written.
    ctes.push(sql`visits AS (
      INSERT INTO call_visits (account_sid, call_sid)
      SELECT ${accountSid}, ${callSid} FROM call
      ON CONFLICT (account_sid, call_sid) DO UPDATE SET visit = call_visits.visit
      RETURNING visit, room, turned_away AS "turnedAway")`);
    locking = sql`visits`;
  }
  const sorted = [...new Set(rooms)].sort();
  if (sorted.length > 0) ctes.push(sql`room AS (${roomLocks(accountSid, sorted, locking)})`);
  const result = await sql<{
    claimed: boolean;
    call: CallState | null;
    visits: VisitState | null;
    rooms: LockedRoom[] | null;
  }>`
    WITH ${sql.join(ctes)}
    SELECT EXISTS (SELECT FROM claimed) AS claimed,
           ${callSid === null ? sql`NULL` : sql`(SELECT to_jsonb(call) FROM call)`} AS call,
           ${withVisits ? sql`(SELECT to_jsonb(visits) FROM visits)` : sql`NULL`} AS visits,
           ${sorted.length === 0 ? sql`NULL` : sql`(SELECT jsonb_agg(room) FROM room)`} AS rooms`.execute(
    executor,
  );
  const row = result.rows[0];
  if (!row?.claimed) return null;
  return {
    call: row.call ?? initialCallState,
    visits: row.visits ?? noVisit,
    rooms: (row.rooms ?? []).map(lockedRoom),
  };
}

/**
 * The statement that creates and locks the rooms named in `sorted`, in that order, once `after` (a
 * relation of one row, when it has one) has been computed; it returns each room as it stands.
 */
function roomLocks(accountSid: string, sorted: string[], after: RawBuilder<unknown> | null) {
  return sql`
    INSERT INTO rooms (account_sid, friendly_name, version, state)
    SELECT ${accountSid}, wanted.name, 0, ${JSON.stringify(initialRoomState)}::jsonb
    FROM (VALUES ${sql.join(sorted.map((name, n) => sql`(${name}, ${n}::int)`))}) AS wanted (name, n)
    ${after === null ? sql`` : sql`CROSS JOIN ${after}`}
    ORDER BY wanted.n
    ON CONFLICT (account_sid, friendly_name) DO UPDATE SET version = rooms.version
    RETURNING friendly_name AS name, version, state`;
}

function lockedRoom(row: { name: string; version: number | string; state: RoomState }): LockedRoom {
  return { name: row.name, version: Number(row.version), state: row.state };
}

/** Locks rooms in sorted order, in one statement. */
export async function lockRooms(
  executor: Transaction<DB>,
  accountSid: string,
  names: string[],
): Promise<LockedRoom[]> {
  const sorted = [...new Set(names)].sort();
  if (sorted.length === 0) return [];
  const locked = await sql<LockedRoom>`${roomLocks(accountSid, sorted, null)}`.execute(executor);
  return locked.rows.map(lockedRoom);
}
