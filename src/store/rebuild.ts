// Re-derives every read model from the event log, folding the events in the order they were appended
// through the same evolve and projection as the live path.

import { sql } from 'kysely';
import { type CallState, evolveCall, initialCallState } from '../domain/call.js';
import { callSidOf } from '../domain/events.js';
import { evolve, initialRoomState, type RoomState } from '../domain/room.js';
import type { Database } from './database.js';
import { readEvents } from './events.js';
import type { Executor } from './executor.js';
import { project } from './projection.js';

const BATCH = 2000;

export interface ReplaySummary {
  events: number;
  rooms: number;
  calls: number;
}

/**
 * Folds the whole log read from `source` into the read models of `target`, which must hold no derived
 * rows yet. `source` and `target` may be the same transaction, or the target a scratch schema of it.
 */
export async function replay(source: Executor, target: Executor): Promise<ReplaySummary> {
  const rooms = new Map<string, { accountSid: string; name: string; version: number; state: RoomState }>();
  const calls = new Map<string, { accountSid: string; callSid: string; state: CallState }>();
  let after = '0';
  let count = 0;
  for (;;) {
    const batch = await readEvents(source, after, BATCH);
    if (batch.length === 0) break;
    for (const stored of batch) {
      const roomKey = `${stored.accountSid}\u0000${stored.room}`;
      const room = rooms.get(roomKey) ?? {
        accountSid: stored.accountSid,
        name: stored.room,
        version: 0,
        state: initialRoomState,
      };
      room.state = evolve(room.state, stored.event);
      room.version = stored.streamPosition;
      rooms.set(roomKey, room);
      const callSid = callSidOf(stored.event);
      if (callSid !== null) {
        const callKey = `${stored.accountSid}\u0000${callSid}`;
        const call = calls.get(callKey) ?? {
          accountSid: stored.accountSid,
          callSid,
          state: initialCallState,
        };
        call.state = evolveCall(call.state, stored.room, stored.event);
        calls.set(callKey, call);
      }
      await project(target, stored.accountSid, stored.event);
    }
    count += batch.length;
    after = batch[batch.length - 1]?.globalPosition ?? after;
  }
  for (const room of rooms.values()) {
    const values = { version: room.version, state: JSON.stringify(room.state) };
    await target
      .insertInto('rooms')
      .values({ account_sid: room.accountSid, friendly_name: room.name, ...values })
      .onConflict((oc) => oc.columns(['account_sid', 'friendly_name']).doUpdateSet(values))
      .execute();
  }
  for (const call of calls.values()) {
    const values = { room: call.state.room, ended: call.state.ended };
    await target
      .insertInto('calls')
      .values({ account_sid: call.accountSid, call_sid: call.callSid, ...values })
      .onConflict((oc) => oc.columns(['account_sid', 'call_sid']).doUpdateSet(values))
      .execute();
  }
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
