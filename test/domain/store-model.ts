// A pure, in-memory stand-in for the store's orchestration (src/store/handle-command.ts): the same plan of
// which room(s) a delivery goes to, the same ids for each step, a refusal that undoes the whole delivery,
// and the call's state advanced only by events about that call. The domain's tests speak through it, so
// they exercise the rules the way the store applies them, without a database.

import { type CallState, evolveCall, initialCallState } from '../../src/domain/call.js';
import type { RoomCommand } from '../../src/domain/commands.js';
import { callSidOf, type RoomEvent } from '../../src/domain/events.js';
import { nextUlid } from '../../src/domain/ids.js';
import { decide, evolve, initialRoomState, type Rejection, type RoomState } from '../../src/domain/room.js';

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

export type Delivered = { world: World; appended: Logged[] } | { world: World; rejection: Rejection };

export function deliver(world: World, { command, room = null }: Delivery): Delivered {
  const callSid = 'callSid' in command.data ? command.data.callSid : null;
  const call = (callSid !== null && world.calls.get(callSid)) || initialCallState;
  const rooms = new Map(world.rooms);
  const appended: Logged[] = [];
  let callAfter = call;
  for (const step of plan(command, call, room)) {
    const state = rooms.get(step.room) ?? initialRoomState;
    const stepCommand = { ...step.command, id: nextUlid(command.id, appended.length) } as RoomCommand;
    const decision = decide(stepCommand, state, callAfter);
    if ('rejection' in decision) return { world, rejection: decision.rejection };
    rooms.set(step.room, decision.events.reduce(evolve, state));
    for (const event of decision.events) {
      appended.push({ room: step.room, event });
      if (callSid !== null && callSidOf(event) === callSid)
        callAfter = evolveCall(callAfter, step.room, event);
    }
  }
  const calls = callSid === null ? world.calls : new Map(world.calls).set(callSid, callAfter);
  return { world: { rooms, calls, log: [...world.log, ...appended] }, appended };
}

interface Step {
  room: string;
  command: RoomCommand;
}

function plan(command: RoomCommand, call: CallState, named: string | null): Step[] {
  if (command.type === 'EndConference') return named === null ? [] : [{ room: named, command }];
  if (command.type !== 'JoinConference') {
    const room = call.room ?? named;
    return room === null ? [] : [{ room, command }];
  }
  const { callSid, friendlyName, via } = command.data;
  const steps: Step[] = [{ room: friendlyName, command }];
  if (via === 'voice' && call.room !== null && call.room !== friendlyName && !call.ended) {
    steps.unshift({
      room: call.room,
      command: {
        ...command,
        type: 'LeaveConference',
        data: { callSid, reason: 'moved', sequenceNumber: null },
      },
    });
  }
  return steps;
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
