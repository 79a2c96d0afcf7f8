// The statements of a group commit: several deliveries in one transaction. Locks come in the global order
// every webhook transaction keeps (calls sorted, their visits, then rooms sorted; store/locks.ts), all in
// one statement that also reads the inbox; everything the batch decided is then written by one statement.
// Rows travel as one JSON document per parameter, so that the statement texts never change with the size
// of the batch.

import { sql } from 'kysely';
import type { CallState } from '../domain/call.js';
import type { RoomEvent } from '../domain/events.js';
import { initialRoomState, type RoomState } from '../domain/room.js';
import { insertRows } from './bulk-insert.js';
import type { Executor } from './executor.js';
import { compareNames, type LockedRoom, type VisitState } from './locks.js';
import { executePrepared } from './prepared.js';

/** A call or a room of one account; calls and rooms of several accounts may share a batch. */
export interface Owned {
  accountSid: string;
  name: string;
}

/** The one key for maps of owned things. */
export const ownedKey = (accountSid: string, name: string) => `${accountSid}\u0000${name}`;

/** Sorted as the single-delivery path sorts (`compareNames`), account first. */
function sorted(items: Owned[]): Owned[] {
  const unique = new Map(items.map((item) => [ownedKey(item.accountSid, item.name), item]));
  return [...unique.entries()].sort(([a], [b]) => compareNames(a, b)).map(([, item]) => item);
}

/** A call the batch locks, and what the batch needs with it. */
export interface WantedCall extends Owned {
  /** The call's visits are locked and read too. */
  visits: boolean;
  /** The room the call is in is locked too, whichever it is by then. */
  itsRoom: boolean;
}

/** A key the inbox is asked about; `foldsVisit`: the key of the call's current visit (`key visit N`). */
export interface AskedKey extends Owned {
  callSid: string | null;
  foldsVisit: boolean;
}

export interface LockedCall {
  accountSid: string;
  callSid: string;
  call: CallState;
  visits: VisitState;
}

export interface LockedBatch {
  calls: LockedCall[];
  rooms: (LockedRoom & { accountSid: string })[];
  /** The remembered outcome of each of the keys asked about that the inbox holds, by ownedKey. */
  outcomes: Map<string, unknown>;
}

/**
 * Locks `calls` (creating their rows), sorted, and the visits of those that want them; then the rooms in
 * `rooms` together with the room each call that wants it is in, sorted by account and then by name in
 * code point order (`compareNames`, which is `COLLATE "C"`); and reads what the inbox holds for `keys`.
 * One statement, whose text never changes: the rows travel as JSON, and it runs as a prepared statement.
 * Each step is reached only once the one before it has finished, so that the locks come in that order;
 * `lockTimeout` bounds every lock wait of the transaction.
 *
 * The inbox is read on the statement's snapshot, taken before its lock waits: a key that a transaction
 * holding one of these locks committed meanwhile is not seen. The caller writes its keys with a counted
 * insert, which then comes up short, and the batch runs again.
 */
export async function lockBatch(
  executor: Executor,
  calls: WantedCall[],
  rooms: Owned[],
  keys: AskedKey[],
  lockTimeout: string,
): Promise<LockedBatch> {
  // A call several deliveries share is locked once, with all that any of them needs.
  const needs = new Map<string, { v: boolean; r: boolean }>();
  for (const c of calls) {
    const key = ownedKey(c.accountSid, c.name);
    const before = needs.get(key) ?? { v: false, r: false };
    needs.set(key, { v: before.v || c.visits, r: before.r || c.itsRoom });
  }
  const callRows = sorted(calls).map((c, n) => ({
    a: c.accountSid,
    c: c.name,
    n,
    ...(needs.get(ownedKey(c.accountSid, c.name)) as { v: boolean; r: boolean }),
  }));
  const roomRows = rooms.map((r) => ({ a: r.accountSid, r: r.name }));
  const keyRows = keys.map((k) => ({ a: k.accountSid, k: k.name, c: k.callSid, f: k.foldsVisit }));
  const statement = sql<{
    calls: LockedCallRow[] | null;
    rooms: { account_sid: string; name: string; version: string | number; state: RoomState }[] | null;
    outcomes: { account_sid: string; key: string; outcome: unknown }[] | null;
  }>`
    WITH settings AS (SELECT set_config('lock_timeout', ${lockTimeout}, true)),
    wanted AS (SELECT * FROM json_to_recordset(${JSON.stringify(callRows)}::json)
               AS w (a text, c text, n int, v boolean, r boolean)),
    call AS (
      INSERT INTO calls (account_sid, call_sid, room)
      SELECT a, c, NULL FROM wanted CROSS JOIN settings ORDER BY n
      ON CONFLICT (account_sid, call_sid) DO UPDATE SET room = calls.room
      RETURNING account_sid, call_sid, room, ended),
    visits AS (
      INSERT INTO call_visits (account_sid, call_sid)
      SELECT a, c FROM wanted CROSS JOIN (SELECT count(*) FROM call) AS after WHERE v ORDER BY n
      ON CONFLICT (account_sid, call_sid) DO UPDATE SET visit = call_visits.visit
      RETURNING account_sid, call_sid, visit, room, turned_away),
    wanted_rooms AS (
      SELECT a, r FROM json_to_recordset(${JSON.stringify(roomRows)}::json) AS w (a text, r text)
      UNION
      SELECT call.account_sid, call.room FROM call JOIN wanted ON wanted.a = call.account_sid
        AND wanted.c = call.call_sid
      WHERE wanted.r AND call.room IS NOT NULL),
    room AS (
      INSERT INTO rooms (account_sid, friendly_name, version, state)
      SELECT a, r, 0, ${JSON.stringify(initialRoomState)}::jsonb
      FROM wanted_rooms CROSS JOIN (SELECT count(*) FROM visits) AS after
      ORDER BY a COLLATE "C", r COLLATE "C"
      ON CONFLICT (account_sid, friendly_name) DO UPDATE SET version = rooms.version
      RETURNING account_sid, friendly_name AS name, version, state),
    -- The keys complete before the inbox is looked up, so that each is found through its index.
    asked AS MATERIALIZED (
      SELECT k.a, CASE WHEN k.f THEN k.k || ' visit ' || coalesce(visits.visit, 0) ELSE k.k END AS k
      FROM json_to_recordset(${JSON.stringify(keyRows)}::json) AS k (a text, k text, c text, f boolean)
      LEFT JOIN visits ON k.f AND visits.account_sid = k.a AND visits.call_sid = k.c)
    SELECT (SELECT jsonb_agg(jsonb_build_object('account_sid', call.account_sid, 'call_sid', call.call_sid,
              'room', call.room, 'ended', call.ended, 'visit', visits.visit, 'visit_room', visits.room,
              'turned_away', visits.turned_away))
            FROM call LEFT JOIN visits USING (account_sid, call_sid)) AS calls,
           (SELECT jsonb_agg(room) FROM room) AS rooms,
           (SELECT jsonb_agg(jsonb_build_object('account_sid', i.account_sid, 'key', i.key, 'outcome', i.outcome))
            FROM asked JOIN inbox i ON i.account_sid = asked.a AND i.key = asked.k) AS outcomes`;
  const result = await executePrepared(executor, statement);
  const row = result.rows[0];
  return {
    calls: (row?.calls ?? []).map((c) => ({
      accountSid: c.account_sid,
      callSid: c.call_sid,
      call: { room: c.room, ended: c.ended },
      visits: { visit: c.visit ?? 0, room: c.visit_room, turnedAway: c.turned_away ?? false },
    })),
    rooms: (row?.rooms ?? []).map((r) => ({
      accountSid: r.account_sid,
      name: r.name,
      version: Number(r.version),
      state: r.state,
    })),
    outcomes: new Map((row?.outcomes ?? []).map((o) => [ownedKey(o.account_sid, o.key), o.outcome])),
  };
}

interface LockedCallRow {
  account_sid: string;
  call_sid: string;
  room: string | null;
  ended: boolean;
  visit: number | null;
  visit_room: string | null;
  turned_away: boolean | null;
}

export interface RoomAppend {
  accountSid: string;
  room: string;
  expectedVersion: number;
  /** How many events the batch appends to the room. */
  count: number;
  state: RoomState;
}

/** One event, at its position in its room's stream. */
export interface PositionedEvent {
  accountSid: string;
  room: string;
  position: number;
  id: string;
  event: RoomEvent;
}

/**
 * The statement that appends `events` in the order given, which is the order their global positions
 * take: the order they were decided in, across rooms, as a rebuild will fold them.
 */
export function appendEvents(executor: Executor, events: PositionedEvent[]) {
  return insertRows(
    executor,
    'events',
    {
      account_sid: 'text',
      friendly_name: 'text',
      stream_position: 'bigint',
      id: 'text',
      type: 'text',
      data: 'jsonb',
      recorded_at: 'timestamptz',
    },
    events.map(({ accountSid, room, position, id, event }) => ({
      account_sid: accountSid,
      friendly_name: room,
      stream_position: position,
      id,
      type: event.type,
      data: JSON.stringify(event.data),
      recorded_at: event.data.at,
    })),
  );
}

/**
 * The statement that stores each room's new version and state, only where the room is still at its
 * expected version; it returns one row per room advanced, which the caller must count (a second line of
 * defence behind the locks, as in store/events.ts).
 */
export function advanceRooms(appends: RoomAppend[]) {
  const rows = appends.map((a) => ({
    account_sid: a.accountSid,
    name: a.room,
    expected: a.expectedVersion,
    version: a.expectedVersion + a.count,
    state: a.state,
  }));
  return sql`
    UPDATE rooms SET version = w.version, state = w.state
    FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS w (account_sid text, name text, expected bigint, version bigint, state jsonb)
    WHERE rooms.account_sid = w.account_sid AND rooms.friendly_name = w.name AND rooms.version = w.expected
    RETURNING rooms.friendly_name`;
}

/** The statement that stores the calls' new states. */
export function updateCalls(calls: { accountSid: string; callSid: string; call: CallState }[]) {
  const rows = calls.map((c) => ({ account_sid: c.accountSid, call_sid: c.callSid, ...c.call }));
  return sql`
    UPDATE calls SET room = w.room, ended = w.ended
    FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS w (account_sid text, call_sid text, room text, ended boolean)
    WHERE calls.account_sid = w.account_sid AND calls.call_sid = w.call_sid`;
}

/** The statement that stores the calls' visits. */
export function updateVisits(visits: { accountSid: string; callSid: string; visits: VisitState }[]) {
  const rows = visits.map((v) => ({
    account_sid: v.accountSid,
    call_sid: v.callSid,
    visit: v.visits.visit,
    room: v.visits.room,
    turned_away: v.visits.turnedAway,
  }));
  return sql`
    UPDATE call_visits SET visit = w.visit, room = w.room, turned_away = w.turned_away
    FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS w (account_sid text, call_sid text, visit int, room text, turned_away boolean)
    WHERE call_visits.account_sid = w.account_sid AND call_visits.call_sid = w.call_sid`;
}

/**
 * The statement that records the outcomes of the batch's deliveries; it returns one row per key it
 * inserted, which the caller must count: a key taken meanwhile (by a transaction that committed after
 * this one read the inbox) makes the batch wrong, and it must be rolled back.
 */
export function recordOutcomes(
  executor: Executor,
  outcomes: { accountSid: string; key: string; outcome: unknown }[],
) {
  return insertRows(
    executor,
    'inbox',
    { account_sid: 'text', key: 'text', outcome: 'jsonb' },
    outcomes.map((o) => ({ account_sid: o.accountSid, key: o.key, outcome: JSON.stringify(o.outcome) })),
  )
    .onConflict((oc) => oc.doNothing())
    .returning('key');
}
