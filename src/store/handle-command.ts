// One webhook, one READ COMMITTED transaction: claim the inbox key, lock the call and then its room(s),
// decide, append at the stream's next positions, and update the read models, so that the answer goes out
// only once all of it is committed and a read right after sees it.

import { type Kysely, sql, type Transaction } from 'kysely';
import { type CallState, evolveCall, initialCallState } from '../domain/call.js';
import type { JoinConference, RoomCommand } from '../domain/commands.js';
import { callSidOf, type RoomEvent } from '../domain/events.js';
import { nextUlid } from '../domain/ids.js';
import { decide, evolve, type Rejection } from '../domain/room.js';
import { appendToRoom } from './events.js';
import { claimInboxKey, findInboxOutcome, recordInboxOutcome } from './inbox.js';
import { lockCall, lockRooms } from './locks.js';
import { project } from './projection.js';
import type { DB } from './schema.js';

export interface Delivery {
  accountSid: string;
  /** The idempotency key of this delivery: the same key twice means the same delivery twice. */
  key: string;
  command: RoomCommand;
  /** The room the request names, where the platform says which one (conference callbacks). */
  room: string | null;
}

export type Outcome =
  | { result: 'joined'; conferenceSid: string }
  | { result: 'rejected'; reason: 'conference-full' | 'call-ended' }
  | { result: 'applied'; events: number }
  | { result: 'ignored' };

export type Handled = { duplicate: boolean; outcome: Outcome } | { refused: Rejection };

class Refused extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

const LOCK_TIMEOUT = '5s';

export async function handleCommand(db: Kysely<DB>, delivery: Delivery): Promise<Handled> {
  try {
    return await db.transaction().execute((trx) => handleInTransaction(trx, delivery));
  } catch (error) {
    if (error instanceof Refused) return { refused: error.rejection };
    throw error;
  }
}

interface Step {
  room: string;
  command: RoomCommand;
}

async function handleInTransaction(trx: Transaction<DB>, delivery: Delivery): Promise<Handled> {
  const { accountSid, key, command } = delivery;
  await sql.raw(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`).execute(trx);
  if (!(await claimInboxKey(trx, accountSid, key, { result: 'ignored' }))) {
    return { duplicate: true, outcome: (await findInboxOutcome(trx, accountSid, key)) as Outcome };
  }
  const callSid = 'callSid' in command.data ? command.data.callSid : null;
  const call = callSid === null ? initialCallState : await lockCall(trx, accountSid, callSid);
  const steps = plan(command, call, delivery.room);
  const rooms = await lockRooms(
    trx,
    accountSid,
    steps.map((s) => s.room),
  );

  let callAfter = call;
  let appended = 0;
  const produced: RoomEvent[] = [];
  for (const [i, step] of steps.entries()) {
    const room = rooms[i];
    if (!room) continue;
    const stepCommand = { ...step.command, id: nextUlid(command.id, appended) } as RoomCommand;
    const decision = decide(stepCommand, room.state, callAfter);
    if ('rejection' in decision) throw new Refused(decision.rejection);
    const events = decision.events;
    if (events.length === 0) continue;
    room.state = events.reduce(evolve, room.state);
    await appendToRoom(
      trx,
      accountSid,
      room.name,
      room.version,
      events.map((event, n) => ({ id: nextUlid(stepCommand.id, n), event })),
      room.state,
    );
    for (const event of events) {
      if (callSid !== null && callSidOf(event) === callSid)
        callAfter = evolveCall(callAfter, room.name, event);
      await project(trx, accountSid, event);
    }
    appended += events.length;
    produced.push(...events);
  }
  if (callSid !== null && (callAfter.room !== call.room || callAfter.ended !== call.ended)) {
    await trx
      .updateTable('calls')
      .set({ room: callAfter.room, ended: callAfter.ended })
      .where('account_sid', '=', accountSid)
      .where('call_sid', '=', callSid)
      .execute();
  }

  const target = rooms[rooms.length - 1];
  const outcome = outcomeOf(command, produced, target?.state.live ?? null);
  await recordInboxOutcome(trx, accountSid, key, outcome);
  return { duplicate: false, outcome };
}

/** Which room each part of the command goes to: the call's own room where Conclave knows it. */
function plan(command: RoomCommand, call: CallState, namedRoom: string | null): Step[] {
  switch (command.type) {
    case 'JoinConference':
      return planJoin(command, call);
    case 'EndConference':
      return namedRoom === null ? [] : [{ room: namedRoom, command }];
    default: {
      const room = call.room ?? namedRoom;
      return room === null ? [] : [{ room, command }];
    }
  }
}

function planJoin(command: JoinConference, call: CallState): Step[] {
  const target = command.data.friendlyName;
  const join = { room: target, command };
  // A call is in one place: our TwiML moving it to another room first takes it out of the one it is in.
  if (command.data.via === 'voice' && call.room !== null && call.room !== target && !call.ended) {
    const moved: RoomCommand = {
      type: 'LeaveConference',
      id: command.id,
      at: command.at,
      data: { callSid: command.data.callSid, reason: 'moved', sequenceNumber: null },
    };
    return [{ room: call.room, command: moved }, join];
  }
  return [join];
}

function outcomeOf(
  command: RoomCommand,
  events: RoomEvent[],
  live: { sid: string; participants: Record<string, unknown> } | null,
): Outcome {
  if (command.type === 'JoinConference') {
    if (live?.participants[command.data.callSid]) return { result: 'joined', conferenceSid: live.sid };
    const rejected = events.find((e) => e.type === 'JoinRejected');
    if (rejected) return { result: 'rejected', reason: rejected.data.reason };
    return { result: 'ignored' };
  }
  return events.length > 0 ? { result: 'applied', events: events.length } : { result: 'ignored' };
}
