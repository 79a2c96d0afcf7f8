// The two row locks every webhook transaction takes, always call first and then room(s) in sorted order,
// so that two transactions can never wait on each other in a cycle. A row is created on first use and then
// locked, so that concurrent first users queue on it instead of failing.

import { type CallState, initialCallState } from '../domain/call.js';
import { initialRoomState, type RoomState } from '../domain/room.js';
import type { Executor } from './executor.js';

export interface LockedRoom {
  name: string;
  version: number;
  state: RoomState;
}

export async function lockCall(executor: Executor, accountSid: string, callSid: string): Promise<CallState> {
  await executor
    .insertInto('calls')
    .values({ account_sid: accountSid, call_sid: callSid, room: initialCallState.room })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await executor
    .selectFrom('calls')
    .select(['room', 'ended'])
    .where('account_sid', '=', accountSid)
    .where('call_sid', '=', callSid)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return { room: row.room, ended: row.ended };
}

export async function lockRoom(executor: Executor, accountSid: string, name: string): Promise<LockedRoom> {
  await executor
    .insertInto('rooms')
    .values({
      account_sid: accountSid,
      friendly_name: name,
      version: 0,
      state: JSON.stringify(initialRoomState),
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await executor
    .selectFrom('rooms')
    .select(['version', 'state'])
    .where('account_sid', '=', accountSid)
    .where('friendly_name', '=', name)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return { name, version: Number(row.version), state: row.state };
}

/** Locks several rooms in a fixed order; the result follows the order of `names`. */
export async function lockRooms(
  executor: Executor,
  accountSid: string,
  names: string[],
): Promise<LockedRoom[]> {
  const locked = new Map<string, LockedRoom>();
  for (const name of [...new Set(names)].sort()) locked.set(name, await lockRoom(executor, accountSid, name));
  return names.map((name) => locked.get(name) as LockedRoom);
}
