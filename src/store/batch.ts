// The statements of a group commit: several deliveries in one transaction. Locks come in the global order
// every webhook transaction keeps (calls sorted, their visits, then rooms sorted; store/locks.ts), each
// kind in one statement; everything the batch decided is then written by one statement. Rows travel as one
// JSON document per statement, so that the statement texts never change with the size of the batch.

import { type Insertable, sql, type Transaction } from 'kysely';
import type { CallState } from '../domain/call.js';
import type { RoomEvent } from '../domain/events.js';
import { initialRoomState, type RoomState } from '../domain/room.js';
import { insertRows, type RowsOf, rowsToJoin, upsertRows } from './bulk-write.js';
import type { Executor } from './executor.js';
import { type LockedRoom, transactionSettings, type VisitState } from './locks.js';
import type { CallsTable, CallVisitsTable, DB, EventsTable, InboxTable, RoomsTable } from './schema.js';

/** A call or a room of one account; calls and rooms of several accounts may share a batch. */
export interface Owned {
  accountSid: string;
  name: string;
}

/** The one key for maps of owned things. */
export const ownedKey = (accountSid: string, name: string) => `${accountSid}\u0000${name}`;

/** Sorted as the single-delivery path sorts (JavaScript string order), account first. */
function sorted(items: Owned[]): Owned[] {
  const unique = new Map(items.map((item) => [ownedKey(item.accountSid, item.name), item]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}

export interface LockedCall {
  accountSid: string;
  callSid: string;
  call: CallState;
  visits: VisitState;
}

/**
 * Locks `calls` (creating their rows) and the visits of those in `withVisits`, in sorted order, in one
 * statement; `lockTimeout` bounds every lock wait of the transaction.
 */
export async function lockCalls(
  executor: Transaction<DB>,
  calls: Owned[],
  withVisits: Set<string>,
  lockTimeout: string,
): Promise<LockedCall[]> {
  const wanted = sorted(calls).map((c, n) => ({
    account_sid: c.accountSid,
    call_sid: c.name,
    n,
    visits: withVisits.has(ownedKey(c.accountSid, c.name)),
  }));
  const result = await sql<CallRow>`
    WITH settings AS (${transactionSettings(lockTimeout)}),
    wanted AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(wanted)}::json)
      AS w (account_sid text, call_sid text, n int, visits boolean)),
    call AS (
      INSERT INTO calls (account_sid, call_sid, room)
      SELECT account_sid, call_sid, NULL FROM wanted CROSS JOIN settings ORDER BY n
      ON CONFLICT (account_sid, call_sid) DO UPDATE SET room = calls.room
      RETURNING account_sid, call_sid, room, ended),
    visits AS (
      INSERT INTO call_visits (account_sid, call_sid)
      SELECT account_sid, call_sid FROM wanted CROSS JOIN (SELECT count(*) FROM call) AS after
      WHERE visits ORDER BY n
      ON CONFLICT (account_sid, call_sid) DO UPDATE SET visit = call_visits.visit
      RETURNING account_sid, call_sid, visit, room, turned_away)
    SELECT call.account_sid, call.call_sid, call.room, call.ended,
           visits.visit, visits.room AS visit_room, visits.turned_away
    FROM call LEFT JOIN visits USING (account_sid, call_sid)`.execute(executor);
  return result.rows.map(lockedCall);
}

interface CallRow {
  account_sid: string;
  call_sid: string;
  room: string | null;
  ended: boolean;
  visit: number | null;
  visit_room: string | null;
  turned_away: boolean | null;
}

function lockedCall(row: CallRow): LockedCall {
  return {
    accountSid: row.account_sid,
    callSid: row.call_sid,
    call: { room: row.room, ended: row.ended },
    visits: { visit: row.visit ?? 0, room: row.visit_room, turnedAway: row.turned_away ?? false },
  };
}

/**
 * Reads `calls` and the visits of those in `withVisits` as `lockCalls` does, without locking or creating
 * their rows: for a database with one session (PGlite), where no other transaction can run until this one
 * ends. A call without a row reads as new; the batch's write creates the rows it changes.
 */
export async function readCalls(
  executor: Executor,
  calls: Owned[],
  withVisits: Set<string>,
): Promise<LockedCall[]> {
  const wanted = sorted(calls).map((c) => ({
    account_sid: c.accountSid,
    call_sid: c.name,
    visits: withVisits.has(ownedKey(c.accountSid, c.name)),
  }));
  const result = await sql<CallRow>`
    SELECT w.account_sid, w.call_sid, c.room, coalesce(c.ended, false) AS ended,
           v.visit, v.room AS visit_room, v.turned_away
    FROM ${rowsToJoin(wanted, 'w', sql`account_sid text, call_sid text, visits boolean`)}
    LEFT JOIN calls c ON c.account_sid = w.account_sid AND c.call_sid = w.call_sid
    LEFT JOIN call_visits v ON w.visits AND v.account_sid = w.account_sid AND v.call_sid = w.call_sid`.execute(
    executor,
  );
  return result.rows.map(lockedCall);
}

/**
 * Which of `calls` and `rooms` another transaction holds now, each by ownedKey: those whose row (or a call's
 * visits row) exists and cannot be locked as a batch locks it. Nothing waits for a row; a table lock (a
 * rebuild's) is waited for as long as the transaction's lock_timeout says.
 */
export async function heldRows(
  executor: Transaction<DB>,
  calls: Owned[],
  rooms: Owned[],
): Promise<{ calls: Set<string>; rooms: Set<string> }> {
  const asked = (items: Owned[]) => sorted(items).map((i) => ({ account_sid: i.accountSid, name: i.name }));
  const held = (
    table: 'calls' | 'call_visits' | 'rooms',
    column: 'call_sid' | 'friendly_name',
    alias: string,
  ) => {
    const [t, key] = [sql.table(table), sql.ref(column)];
    return sql`EXISTS (SELECT 1 FROM ${t} WHERE account_sid = ${sql.ref(`${alias}.account_sid`)} AND ${key} = ${sql.ref(`${alias}.name`)})
      AND NOT EXISTS (SELECT 1 FROM ${t} WHERE account_sid = ${sql.ref(`${alias}.account_sid`)} AND ${key} = ${sql.ref(`${alias}.name`)}
        FOR NO KEY UPDATE SKIP LOCKED)`;
  };
  const { rows } = await sql<{ room: boolean; account_sid: string; name: string }>`
    SELECT false AS room, c.account_sid, c.name FROM ${rowsToJoin(asked(calls), 'c', sql`account_sid text, name text`)}
    WHERE (${held('calls', 'call_sid', 'c')}) OR (${held('call_visits', 'call_sid', 'c')})
    UNION ALL
    SELECT true, r.account_sid, r.name FROM ${rowsToJoin(asked(rooms), 'r', sql`account_sid text, name text`)}
    WHERE ${held('rooms', 'friendly_name', 'r')}`.execute(executor);
  const keys = (room: boolean) =>
    new Set(rows.filter((row) => row.room === room).map((row) => ownedKey(row.account_sid, row.name)));
  return { calls: keys(false), rooms: keys(true) };
}

export interface RoomsAndOutcomes {
  rooms: (LockedRoom & { accountSid: string })[];
  /** The remembered outcome of each of the keys asked about that the inbox holds, by ownedKey. */
  outcomes: Map<string, unknown>;
}

/** Locks `rooms` (creating their rows) in sorted order, and reads what the inbox holds for `keys`. */
export async function lockRoomsAndReadInbox(
  executor: Transaction<DB>,
  rooms: Owned[],
  keys: Owned[],
): Promise<RoomsAndOutcomes> {
  const wanted = sorted(rooms).map((r, n) => ({ account_sid: r.accountSid, name: r.name, n }));
  const result = await sql<RoomsAndOutcomesRow>`
    WITH room AS (
      INSERT INTO rooms (account_sid, friendly_name, version, state)
      SELECT w.account_sid, w.name, 0, ${JSON.stringify(initialRoomState)}::jsonb
      FROM json_to_recordset(${JSON.stringify(wanted)}::json) AS w (account_sid text, name text, n int)
      ORDER BY w.n
      ON CONFLICT (account_sid, friendly_name) DO UPDATE SET version = rooms.version
      RETURNING account_sid, friendly_name AS name, version, state)
    SELECT (SELECT jsonb_agg(room) FROM room) AS rooms, ${inboxOutcomes(keys)} AS outcomes`.execute(executor);
  return roomsAndOutcomes(result.rows[0]);
}

/**
 * Reads `rooms` and what the inbox holds for `keys` as `lockRoomsAndReadInbox` does, without locking or
 * creating the rooms' rows (see `readCalls`): a room without a row reads as new, at version 0.
 */
export async function readRoomsAndInbox(
  executor: Executor,
  rooms: Owned[],
  keys: Owned[],
): Promise<RoomsAndOutcomes> {
  const wanted = sorted(rooms).map((r) => ({ account_sid: r.accountSid, name: r.name }));
  const result = await sql<RoomsAndOutcomesRow>`
    SELECT (SELECT jsonb_agg(jsonb_build_object('account_sid', w.account_sid, 'name', w.name,
                   'version', coalesce(r.version, 0), 'state', coalesce(r.state, ${JSON.stringify(initialRoomState)}::jsonb)))
            FROM ${rowsToJoin(wanted, 'w', sql`account_sid text, name text`)}
            LEFT JOIN rooms r ON r.account_sid = w.account_sid AND r.friendly_name = w.name) AS rooms,
           ${inboxOutcomes(keys)} AS outcomes`.execute(executor);
  return roomsAndOutcomes(result.rows[0]);
}

interface RoomsAndOutcomesRow {
  rooms: { account_sid: string; name: string; version: string | number; state: RoomState }[] | null;
  outcomes: { account_sid: string; key: string; outcome: unknown }[] | null;
}

/** What the inbox holds for `keys`, as one JSON array. */
function inboxOutcomes(keys: Owned[]) {
  const asked = keys.map((k) => ({ account_sid: k.accountSid, key: k.name }));
  return sql`(SELECT jsonb_agg(jsonb_build_object('account_sid', i.account_sid, 'key', i.key, 'outcome', i.outcome))
    FROM ${rowsToJoin(asked, 'a', sql`account_sid text, key text`)}
    JOIN inbox i ON i.account_sid = a.account_sid AND i.key = a.key)`;
}

function roomsAndOutcomes(row: RoomsAndOutcomesRow | undefined): RoomsAndOutcomes {
  return {
    rooms: (row?.rooms ?? []).map((r) => ({
      accountSid: r.account_sid,
      name: r.name,
      version: Number(r.version),
      state: r.state,
    })),
    outcomes: new Map((row?.outcomes ?? []).map((o) => [ownedKey(o.account_sid, o.key), o.outcome])),
  };
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

/** The rows `appendEvents` takes for `events`. */
const eventRows = (events: PositionedEvent[]): Insertable<EventsTable>[] =>
  events.map(({ accountSid, room, position, id, event }) => ({
    account_sid: accountSid,
    friendly_name: room,
    stream_position: position,
    id,
    type: event.type,
    data: JSON.stringify(event.data),
    recorded_at: event.data.at,
  }));

/**
 * The statement that appends the events of `rows` in the order given, which is the order their global
 * positions take: the order they were decided in, across rooms, as a rebuild will fold them.
 */
export function appendEvents(executor: Executor, rows: RowsOf<Insertable<EventsTable>>) {
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
    rows,
  );
}

interface AdvancedRoomRow {
  account_sid: string;
  name: string;
  expected: number;
  version: number;
  state: RoomState;
}

/** The rows of `advanceRooms` for the rooms that had events before the batch. */
const advancedRoomRows = (appends: RoomAppend[]): AdvancedRoomRow[] =>
  appends
    .filter((a) => a.expectedVersion > 0)
    .map((a) => ({
      account_sid: a.accountSid,
      name: a.room,
      expected: a.expectedVersion,
      version: a.expectedVersion + a.count,
      state: a.state,
    }));

/** The rows of `advanceRooms` for the rooms new to the log. */
const createdRoomRows = (appends: RoomAppend[]): Insertable<RoomsTable>[] =>
  appends
    .filter((a) => a.expectedVersion === 0)
    .map((a) => ({
      account_sid: a.accountSid,
      friendly_name: a.room,
      version: a.count,
      state: JSON.stringify(a.state),
    }));

/**
 * The statements that store each room's new version and state, only where the room is still at its
 * expected version: an UPDATE for rooms that had events before (`advanced`), and for new rooms
 * (`created`) an INSERT that, should the row be there already (a lock made it), updates it only while it
 * is still at version 0. Each returns one row per room advanced, which the caller must count (a second
 * line of defence behind the locks, as in store/events.ts).
 */
export function advanceRooms(
  executor: Executor,
  advanced: RowsOf<AdvancedRoomRow>,
  created: RowsOf<Insertable<RoomsTable>>,
) {
  return [
    sql`
      UPDATE rooms SET version = w.version, state = w.state
      FROM ${rowsToJoin(advanced, 'w', sql`account_sid text, name text, expected bigint, version bigint, state jsonb`)}
      WHERE rooms.account_sid = w.account_sid AND rooms.friendly_name = w.name AND rooms.version = w.expected
      RETURNING rooms.friendly_name`,
    insertRows(
      executor,
      'rooms',
      { account_sid: 'text', friendly_name: 'text', version: 'bigint', state: 'jsonb' },
      created,
    )
      .onConflict((oc) =>
        oc
          .columns(['account_sid', 'friendly_name'])
          .doUpdateSet((eb) => ({ version: eb.ref('excluded.version'), state: eb.ref('excluded.state') }))
          .where('rooms.version', '=', '0'),
      )
      .returning('friendly_name'),
  ];
}

/** The rows `storeCalls` takes for `calls`. */
export const callRows = (
  calls: { accountSid: string; callSid: string; call: CallState }[],
): Insertable<CallsTable>[] =>
  calls.map((c) => ({
    account_sid: c.accountSid,
    call_sid: c.callSid,
    room: c.call.room,
    ended: c.call.ended,
  }));

/** The statement that stores the calls' new states, creating the rows of calls new to it. */
export function storeCalls(executor: Executor, rows: RowsOf<Insertable<CallsTable>>) {
  return upsertRows(
    executor,
    'calls',
    { account_sid: 'text', call_sid: 'text', room: 'text', ended: 'boolean' },
    ['account_sid', 'call_sid'],
    rows,
  );
}

/** The rows `storeVisits` takes for `visits`. */
const visitRows = (
  visits: { accountSid: string; callSid: string; visits: VisitState }[],
): Insertable<CallVisitsTable>[] =>
  visits.map((v) => ({
    account_sid: v.accountSid,
    call_sid: v.callSid,
    visit: v.visits.visit,
    room: v.visits.room,
    turned_away: v.visits.turnedAway,
  }));

/** The statement that stores the calls' visits, creating the rows of calls new to it. */
export function storeVisits(executor: Executor, rows: RowsOf<Insertable<CallVisitsTable>>) {
  return upsertRows(
    executor,
    'call_visits',
    { account_sid: 'text', call_sid: 'text', visit: 'bigint', room: 'text', turned_away: 'boolean' },
    ['account_sid', 'call_sid'],
    rows,
  );
}

/** The rows `recordOutcomes` takes for `outcomes`. */
const outcomeRows = (
  outcomes: { accountSid: string; key: string; outcome: unknown }[],
): Insertable<InboxTable>[] =>
  outcomes.map((o) => ({ account_sid: o.accountSid, key: o.key, outcome: JSON.stringify(o.outcome) }));

/**
 * The statement that records the outcomes of the batch's deliveries; it returns one row per key it
 * inserted, which the caller must count: a key taken meanwhile (by a transaction that committed after
 * this one read the inbox) makes the batch wrong, and it must be rolled back.
 */
export function recordOutcomes(executor: Executor, rows: RowsOf<Insertable<InboxTable>>) {
  return insertRows(executor, 'inbox', { account_sid: 'text', key: 'text', outcome: 'jsonb' }, rows)
    .onConflict((oc) => oc.doNothing())
    .returning('key');
}

/** What a batch writes besides the read models, by statement. */
export interface StoreRows {
  events: Insertable<EventsTable>[];
  calls: Insertable<CallsTable>[];
  visits: Insertable<CallVisitsTable>[];
  advancedRooms: AdvancedRoomRow[];
  createdRooms: Insertable<RoomsTable>[];
  outcomes: Insertable<InboxTable>[];
}

/** The rows of every statement a batch writes besides the read models. */
export function storeRows(decided: {
  events: PositionedEvent[];
  calls: { accountSid: string; callSid: string; call: CallState }[];
  visits: { accountSid: string; callSid: string; visits: VisitState }[];
  appends: RoomAppend[];
  outcomes: { accountSid: string; key: string; outcome: unknown }[];
}): StoreRows {
  return {
    events: eventRows(decided.events),
    calls: callRows(decided.calls),
    visits: visitRows(decided.visits),
    advancedRooms: advancedRoomRows(decided.appends),
    createdRooms: createdRoomRows(decided.appends),
    outcomes: outcomeRows(decided.outcomes),
  };
}
