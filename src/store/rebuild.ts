// Re-derives every read model from the event log, folding the events in the order they were appended
// through the same evolve and projection as the live path.

import { sql } from 'kysely';
import { type CallState, evolveCall, initialCallState } from '../domain/call.js';
import { callSidOf } from '../domain/events.js';
import { evolve, initialRoomState, type RoomState } from '../domain/room.js';
import { inChunks, insertRows } from './bulk-insert.js';
import type { Database } from './database.js';
import { readEvents, type StoredEvent } from './events.js';
import type { Executor } from './executor.js';
import { Projection } from './projection.js';

// Events read per query: large enough that round trips do not count, small enough to hold easily.
const BATCH = 10_000;

export interface ReplaySummary {
  events: number;
  rooms: number;
  calls: number;
}

/**
 * Folds the whole log read from `source` into the read models of `target`, which must hold no derived
 * rows yet. `source` and `target` may be the same transaction, or the target a scratch schema of it. The
 * log is folded in memory and every derived row written once, in multi-row statements: a conference's as
 * soon as it has completed, the rest at the end.
 */
export async function replay(source: Executor, target: Executor): Promise<ReplaySummary> {
  const rooms = new Map<string, { accountSid: string; name: string; version: number; state: RoomState }>();
  const calls = new Map<string, { accountSid: string; callSid: string; state: CallState }>();
  const projection = new Projection();
  const fold = (stored: StoredEvent) => {
    const roomKey = `${stored.accountSid}\u0000${stored.room}`;
    let room = rooms.get(roomKey);
    if (room === undefined) {
      room = { accountSid: stored.accountSid, name: stored.room, version: 0, state: initialRoomState };
      rooms.set(roomKey, room);
    }
    room.state = evolve(room.state, stored.event);
    room.version = stored.streamPosition;
    const callSid = callSidOf(stored.event);
    if (callSid !== null) {
      const callKey = `${stored.accountSid}\u0000${callSid}`;
      let call = calls.get(callKey);
      if (call === undefined) {
        call = { accountSid: stored.accountSid, callSid, state: initialCallState };
        calls.set(callKey, call);
      }
      call.state = evolveCall(call.state, stored.room, stored.event);
    }
    projection.apply(stored.accountSid, stored.event);
  };
  // Statements in flight: rows are written while the fold goes on, and the database is waited for once.
  const writing: Promise<unknown>[] = [];
  const write = (statements: { execute(): Promise<unknown> }[]) => {
    for (const statement of statements) {
      const written = statement.execute();
      // Its failure is taken up by the Promise.all below; until then it must not count as unhandled.
      written.catch(() => {});
      writing.push(written);
    }
  };
  let count = 0;
  let batch = await readEvents(source, '0', BATCH);
  while (batch.length > 0) {
    const folding = batch;
    // The next batch is asked for before this one is folded, so that the database reads while this folds.
    [batch] = await Promise.all([
      readEvents(source, folding[folding.length - 1]?.globalPosition ?? '0', BATCH),
      Promise.resolve().then(() => folding.forEach(fold)),
    ]);
    write(projection.takeCompleted().writes(target));
    count += folding.length;
  }
  const roomRows = inChunks([...rooms.values()]).map((chunk) =>
    insertRows(
      target,
      'rooms',
      { account_sid: 'text', friendly_name: 'text', version: 'bigint', state: 'jsonb' },
      chunk.map((room) => ({
        account_sid: room.accountSid,
        friendly_name: room.name,
        version: room.version,
        state: JSON.stringify(room.state),
      })),
    ).onConflict((oc) =>
      oc
        .columns(['account_sid', 'friendly_name'])
        .doUpdateSet((eb) => ({ version: eb.ref('excluded.version'), state: eb.ref('excluded.state') })),
    ),
  );
  const callRows = inChunks([...calls.values()]).map((chunk) =>
    insertRows(
      target,
      'calls',
      { account_sid: 'text', call_sid: 'text', room: 'text', ended: 'boolean' },
      chunk.map((call) => ({
        account_sid: call.accountSid,
        call_sid: call.callSid,
        room: call.state.room,
        ended: call.state.ended,
      })),
    ).onConflict((oc) =>
      oc
        .columns(['account_sid', 'call_sid'])
        .doUpdateSet((eb) => ({ room: eb.ref('excluded.room'), ended: eb.ref('excluded.ended') })),
    ),
  );
  write([...projection.writes(target), ...roomRows, ...callRows]);
  await Promise.all(writing);
  return { events: count, rooms: rooms.size, calls: calls.size };
}

/** Replaces the live read models with ones re-derived from the log. Webhooks wait while it runs. */
export async function rebuild(database: Database): Promise<ReplaySummary> {
  return database.db.transaction().execute(async (trx) => {
    // Appenders lock rows of these tables; an exclusive table lock holds them off, readers go on.
    await sql`LOCK TABLE rooms, calls IN EXCLUSIVE MODE`.execute(trx);
    await trx.deleteFrom('participants').execute();
    await trx.deleteFrom('conferences').execute();
    // Lock rows stay (a concurrent webhook may be about to lock one); their derived state is reset.
    await trx
      .updateTable('rooms')
      .set({ version: 0, state: JSON.stringify(initialRoomState) })
      .execute();
    await trx.updateTable('calls').set({ room: null, ended: false }).execute();
    return replay(trx, trx);
  });
}
