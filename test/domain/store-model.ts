// An in-memory store: the same plan and decideEach (src/domain/delivery.ts) as the database store, with maps for
// the rooms and calls and an array for the log. The domain's tests speak through it, so they exercise the
// rules the way the store applies them, without a database.

import { type CallState, evolveCall, initialCallState } from '../../src/domain/call.js';
import type { RoomCommand } from '../../src/domain/commands.js';
import { decideEach, plan } from '../../src/domain/delivery.js';
import { callSidOf, type RoomEvent } from '../../src/domain/events.js';
import { evolve, initialRoomState, type RoomState } from '../../src/domain/room.js';

export interface Logged {
  room: string;
  event: RoomEvent;
}

export interface World {
  rooms: ReadonlyMap<string, RoomState>;
  calls: ReadonlyMap<string, CallState>;
  log: readonly Logged[];
}

export const emptyWorld: World = { rooms: new Map(), calls: new Map(), log: [] };

export interface Delivery {
  command: RoomCommand;
  /** The room the request names, where the platform says which one (conference callbacks). */
  room?: string | null;
}

export interface Delivered {
  world: World;
  appended: Logged[];
}

export function deliver(world: World, { command, room = null }: Delivery): Delivered {
  const callSid = 'callSid' in command.data ? command.data.callSid : null;
  const call = (callSid !== null && world.calls.get(callSid)) || initialCallState;
  const steps = plan(command, call, room);
  const ran = decideEach(
    command,
    steps,
    steps.map((step) => world.rooms.get(step.room) ?? initialRoomState),
    call,
  );
  const rooms = new Map(world.rooms);
  const appended: Logged[] = [];
  for (const applied of ran.applied) {
    rooms.set(applied.room, applied.state);
    appended.push(...applied.events.map(({ event }) => ({ room: applied.room, event })));
  }
  const calls = callSid === null ? world.calls : new Map(world.calls).set(callSid, ran.call);
  return { world: { rooms, calls, log: [...world.log, ...appended] }, appended };
}

/** The rooms and calls as a rebuild derives them: the log folded from scratch, in order. */
export function rebuild(log: readonly Logged[]): Pick<World, 'rooms' | 'calls'> {
  const rooms = new Map<string, RoomState>();
  const calls = new Map<string, CallState>();
  for (const { room, event } of log) {
    rooms.set(room, evolve(rooms.get(room) ?? initialRoomState, event));
    const callSid = callSidOf(event);
    if (callSid !== null) calls.set(callSid, evolveCall(calls.get(callSid) ?? initialCallState, room, event));
  }
  return { rooms, calls };
}
