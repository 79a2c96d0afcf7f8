// Re-derives every read model from the event log, folding the events in the order they were appended
// through the same evolve and projection as the live path.

import { type OperationNodeSource, sql, type Transaction } from 'kysely';
import { type CallState, evolveCall, initialCallState } from '../domain/call.js';
import { callSidOf } from '../domain/events.js';
import { evolve, initialRoomState, type RoomState } from '../domain/room.js';
import { callRows, storeCalls } from '../store/batch.js';
import { inChunks, upsertRows } from '../store/bulk-write.js';
import type { Database } from '../store/database.js';
import { readEvents, type StoredEvent } from '../store/events.js';
import type { Executor } from '../store/executor.js';
import type { DB } from '../store/schema.js';
import { Projection } from './projection.js';

// Events read per query: large enough that round trips do not count, small enough to hold easily.
const BATCH = 10_000;

/** Told the events folded so far and how many the log holds, after each batch. */
export type ReplayProgress = (folded: number, total: number) => void;

export interface ReplaySummary {
  events: number;
  rooms: number;
  calls: number;
}

interface Room {
  accountSid: string;
  name: string;
  version: number;
  state: RoomState;
}

// Shaped as callRows takes it, so that a chunk of calls maps straight to rows.
interface Call {
  accountSid: string;
  callSid: string;
  call: CallState;
}

function roomWrites(target: Executor, rooms: Room[]) {
  return inChunks(rooms).map((chunk) =>
    upsertRows(
      target,
      'rooms',
      { account_sid: 'text', friendly_name: 'text', version: 'bigint', state: 'jsonb' },
      ['account_sid', 'friendly_name'],
      chunk.map((room) => ({
        account_sid: room.accountSid,
        friendly_name: room.name,
        version: room.version,
        state: JSON.stringify(room.state),
      })),
    ),
  );
}

function callWrites(target: Executor, calls: Call[]) {
  return inChunks(calls).map((chunk) => storeCalls(target, callRows(chunk)));
}

/**
 * Rooms and calls by account and name. Two levels rather than one key joined from both: a joined key is a
 * new string per event, which the map must flatten and hash before it can look it up.
 */
class ByAccount<T> {
  private readonly accounts = new Map<string, Map<string, T>>();
  private count = 0;

  /** How many items it holds, over every account. */
  get size(): number {
    return this.count;
  }

  /** The item under `accountSid` and `name`, made by `create` the first time it is asked for. */
  get(accountSid: string, name: string, create: () => T): T {
    let named = this.accounts.get(accountSid);
    if (named === undefined) {
      named = new Map();
      this.accounts.set(accountSid, named);
    }
    let item = named.get(name);
    if (item === undefined) {
      item = create();
      named.set(name, item);
      this.count++;
    }
    return item;
  }
}

// Events folded between two looks at the connection. The client sends a queued statement only once the
// one before it has answered and the event loop has seen that answer: a fold of a whole batch in one go
// left the database idle until it ended, and the process idle while the database then worked through the
// queue. Slices of this size keep both busy.
const FOLD_SLICE = 100;

/** Folds `events` in order, letting the event loop turn between slices. */
async function foldInSlices(events: StoredEvent[], fold: (event: StoredEvent) => void): Promise<void> {
  for (let start = 0; start < events.length; start += FOLD_SLICE) {
    if (start > 0) await new Promise(setImmediate);
    const end = Math.min(start + FOLD_SLICE, events.length);
    for (let i = start; i < end; i++) fold(events[i] as StoredEvent);
  }
}

/** Settles once every one of `statements` has, failing then with the first failure, if any. */
async function allDone(statements: Promise<unknown>[]): Promise<void> {
  for (const result of await Promise.allSettled(statements))
    if (result.status === 'rejected') throw result.reason;
}

/** Removes from `items` those that satisfy `settled`, and returns them. */
function take<T>(items: Set<T>, settled: (item: T) => boolean): T[] {
  const taken = [...items].filter(settled);
  for (const item of taken) items.delete(item);
  return taken;
}

/**
 * Folds the whole log read from `source` into the read models of `target`, which must hold no derived
 * rows yet. `source` and `target` may be the same transaction, or the target a scratch schema of it. The
 * log is folded in memory and the derived rows written in multi-row statements while the fold goes on: a
 * conference's once it has completed, a room's once it has no live conference, a call's once it has ended
 * (and again, should they change after all), the rest at the end.
 */
export async function replay(
  source: Executor,
  target: Executor,
  progress?: ReplayProgress,
): Promise<ReplaySummary> {
  // Counted in the same snapshot as the fold reads, so the total is what the fold will reach.
  const total =
    progress &&
    Number(
      (
        await source
          .selectFrom('events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const rooms = new ByAccount<Room>();
  const calls = new ByAccount<Call>();
  const unwrittenRooms = new Set<Room>();
  const unwrittenCalls = new Set<Call>();
  const projection = new Projection();
  const fold = (stored: StoredEvent) => {
    const { accountSid } = stored;
    const room = rooms.get(accountSid, stored.room, () => ({
      accountSid,
      name: stored.room,
      version: 0,
      state: initialRoomState,
    }));
    room.state = evolve(room.state, stored.event);
    room.version = stored.streamPosition;
    unwrittenRooms.add(room);
    const callSid = callSidOf(stored.event);
    if (callSid !== null) {
      const tracked = calls.get(accountSid, callSid, () => ({ accountSid, callSid, call: initialCallState }));
      tracked.call = evolveCall(tracked.call, stored.room, stored.event);
      unwrittenCalls.add(tracked);
    }
    projection.apply(accountSid, stored.event);
  };
  // Rows are written while the fold goes on. A batch's statements (a lot) are waited for while the next
  // batch folds, so that the process runs at most a batch ahead of the database and the statements it has
  // made but not yet sent stay few, however long the log.
  let lot: Promise<unknown>[] = [];
  const write = (statements: OperationNodeSource[]) => {
    for (const statement of statements) {
      const sent = sql`${statement}`.execute(target);
      // Its failure is taken up by allDone; until then it must not count as unhandled.
      sent.catch(() => {});
      lot.push(sent);
    }
  };
  /** The lot so far, settled whole; the next statements start another. */
  const closeLot = () => {
    const done = allDone(lot);
    done.catch(() => {});
    lot = [];
    return done;
  };
  let count = 0;
  let lastLot: Promise<void> = Promise.resolve();
  try {
    let batch = await readEvents(source, '0', BATCH);
    while (batch.length > 0) {
      const folding = batch;
      // The next batch is asked for before this one is folded, so that the database reads while this folds.
      [batch] = await Promise.all([
        readEvents(source, folding[folding.length - 1]?.globalPosition ?? '0', BATCH),
        foldInSlices(folding, fold),
        lastLot,
      ]);
      write(projection.takeCompleted().writesInChunks(target));
      write(
        roomWrites(
          target,
          take(unwrittenRooms, (room) => room.state.live === null),
        ),
      );
      write(
        callWrites(
          target,
          take(unwrittenCalls, (tracked) => tracked.call.ended),
        ),
      );
      lastLot = closeLot();
      count += folding.length;
      progress?.(count, total ?? count);
    }
    write([
      ...projection.writesInChunks(target),
      ...roomWrites(target, [...unwrittenRooms]),
      ...callWrites(target, [...unwrittenCalls]),
    ]);
    await lastLot;
    await closeLot();
  } catch (error) {
    // Nothing may be left queued when the caller ends the transaction: a statement sent after its ROLLBACK
    // would run on its own, and commit.
    await Promise.allSettled([lastLot, ...lot]);
    throw error;
  }
  return { events: count, rooms: rooms.size, calls: calls.size };
}

/**
 * Lets the transaction sit idle longer than the pool allows. On PostgreSQL the rebuild's two transactions
 * wait on each other and on the fold: the writer while the reader counts the log and while a batch folds,
 * the reader while the writer works through the last rows. Not for ever: a stopped process would otherwise
 * hold the rooms' lock, and every webhook with it, until someone ended the session.
 */
async function holdOpen(trx: Transaction<DB>): Promise<void> {
  await sql`SET LOCAL idle_in_transaction_session_timeout = '5min'`.execute(trx);
}

/**
 * Replaces the live read models with ones re-derived from the log. Webhooks wait while it runs. On
 * PostgreSQL it takes two connections of the pool for its whole run: give it a pool of its own (the CLI
 * does), not one that webhooks waiting on its lock hold.
 */
export async function rebuild(database: Database, progress?: ReplayProgress): Promise<ReplaySummary> {
  return database.db.transaction().execute(async (trx) => {
    await holdOpen(trx);
    // Appenders lock rows of these tables; an exclusive table lock holds them off, readers go on.
    await sql`LOCK TABLE rooms, calls IN EXCLUSIVE MODE`.execute(trx);
    await trx.deleteFrom('participants').execute();
    await trx.deleteFrom('recordings').execute();
    await trx.deleteFrom('conferences').execute();
    // Lock rows stay (a concurrent webhook may be about to lock one); their derived state is reset.
    await trx
      .updateTable('rooms')
      .set({ version: 0, state: JSON.stringify(initialRoomState) })
      .execute();
    await trx.updateTable('calls').set({ room: null, ended: false }).execute();
    if (database.kind !== 'postgres') return replay(trx, trx, progress);
    // The log is read on a second connection, in this transaction's snapshot, so that reading the next
    // events does not queue behind the writes of the last: each connection's backend works on its own.
    const exported = await sql<{ snapshot: string }>`SELECT pg_export_snapshot() AS snapshot`.execute(trx);
    const snapshot = exported.rows[0]?.snapshot ?? '';
    return database.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (reader) => {
        await sql`SET TRANSACTION SNAPSHOT ${sql.lit(snapshot)}`.execute(reader);
        await holdOpen(reader);
        return replay(reader, trx, progress);
      });
  });
}
