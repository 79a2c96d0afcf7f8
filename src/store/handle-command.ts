// One webhook, one READ COMMITTED transaction: claim the inbox key, lock the call and then its room(s),
// decide, append at the stream's next positions, and update the read models, so that the answer goes out
// only once all of it is committed and a read right after sees it.

import { type Kysely, sql, type Transaction } from 'kysely';
import { initialCallState } from '../domain/call.js';
import type { RoomCommand } from '../domain/commands.js';
import { plan, run } from '../domain/delivery.js';
import type { RoomEvent } from '../domain/events.js';
import type { Rejection } from '../domain/room.js';
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

/** Timings for whoever watches the store (metrics); the store itself knows nothing of how they are kept. */
export interface StoreObserver {
  /** How long the call and room locks took to get, in seconds. */
  lockWait(seconds: number): void;
  /** How long the whole transaction took, commit included, in seconds. */
  transaction(seconds: number): void;
}

const unobserved: StoreObserver = { lockWait: () => {}, transaction: () => {} };

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

class Refused extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

const LOCK_TIMEOUT = '5s';

export async function handleCommand(
  db: Kysely<DB>,
  delivery: Delivery,
  observer: StoreObserver = unobserved,
): Promise<Handled> {
  const started = process.hrtime.bigint();
  try {
    const handled = await db.transaction().execute((trx) => handleInTransaction(trx, delivery, observer));
    observer.transaction(seconds(started));
    return handled;
  } catch (error) {
    if (error instanceof Refused) return { refused: error.rejection };
    throw error;
  }
}

async function handleInTransaction(
  trx: Transaction<DB>,
  delivery: Delivery,
  observer: StoreObserver,
): Promise<Handled> {
  const { accountSid, key, command } = delivery;
  await sql.raw(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`).execute(trx);
  if (!(await claimInboxKey(trx, accountSid, key, { result: 'ignored' }))) {
    return { duplicate: true, outcome: (await findInboxOutcome(trx, accountSid, key)) as Outcome };
  }
  const callSid = 'callSid' in command.data ? command.data.callSid : null;
  const locking = process.hrtime.bigint();
  const call = callSid === null ? initialCallState : await lockCall(trx, accountSid, callSid);
  const steps = plan(command, call, delivery.room);
  const rooms = await lockRooms(
    trx,
    accountSid,
    steps.map((step) => step.room),
  );
  observer.lockWait(seconds(locking));
  const ran = run(
    command,
    steps,
    rooms.map((room) => room.state),
    call,
  );
  if ('rejection' in ran) throw new Refused(ran.rejection);

  const produced: RoomEvent[] = [];
  for (const [i, { room, events, state }] of ran.applied.entries()) {
    if (events.length === 0) continue;
    await appendToRoom(trx, accountSid, room, rooms[i]?.version ?? 0, events, state);
    for (const { event } of events) {
      await project(trx, accountSid, event);
      produced.push(event);
    }
  }
  if (callSid !== null && (ran.call.room !== call.room || ran.call.ended !== call.ended)) {
    await trx
      .updateTable('calls')
      .set({ room: ran.call.room, ended: ran.call.ended })
      .where('account_sid', '=', accountSid)
      .where('call_sid', '=', callSid)
      .execute();
  }

  const target = ran.applied[ran.applied.length - 1]?.state.live ?? null;
  const outcome = outcomeOf(command, produced, target);
  await recordInboxOutcome(trx, accountSid, key, outcome);
  return { duplicate: false, outcome };
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
