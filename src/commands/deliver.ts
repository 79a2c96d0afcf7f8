// One delivery, one READ COMMITTED transaction: claim the inbox key, lock the call and then its room(s),
// decide, append at the stream's next positions, and update the read models, so that the answer goes out
// only once all of it is committed and a read right after sees it.

import type { Kysely, Transaction } from 'kysely';
import { initialCallState } from '../domain/call.js';
import type { RoomCommand } from '../domain/commands.js';
import { decideEach, NO_ROOM, plan } from '../domain/delivery.js';
import type { JoinRejectionReason, RoomEvent } from '../domain/events.js';
import { Projection } from '../reads/projection.js';
import { appendToRoom, ConcurrencyError } from '../store/events.js';
import { claimKey, findInboxOutcome, recordInboxOutcome } from '../store/inbox.js';
import { claimAndLock, type LockedRoom, lockRooms } from '../store/locks.js';
import type { DB } from '../store/schema.js';
import { writeInOneStatement } from '../store/single-statement.js';
import { endsAnEarlierVisit, type VisitRule, visitOf } from './visits.js';

export interface Delivery {
  accountSid: string;
  /** The idempotency key of this delivery: the same key twice means the same delivery twice. */
  key: string;
  command: RoomCommand;
  /** The room the request names, where the platform says which one (conference callbacks). */
  room: string | null;
  /** How the delivery stands to its call's visits (voice requests and <Dial action>s), see visits.ts. */
  visit?: VisitRule;
}

/** What a delivery came to: the one answer the write side gives, whatever route the delivery came by. */
export type Outcome =
  | { result: 'joined'; conferenceSid: string; visit?: number }
  | { result: 'rejected'; reason: JoinRejectionReason; code?: number }
  | { result: 'applied'; events: number }
  | { result: 'ignored' };

/** The outcome, and whether it is the remembered one of an earlier delivery with the same key. */
export interface DeliveryResult {
  duplicate: boolean;
  outcome: Outcome;
}

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

export const LOCK_TIMEOUT = '5s';

/** What the inbox holds for a claimed key until the delivery's outcome is known; kept if that is all. */
export const PLACEHOLDER = { result: 'ignored' } as const satisfies Outcome;

/**
 * Thrown when the rooms locked up front, together with the call, turn out not to be all that the delivery
 * needs, and those missing sort before one already held: taking them now would break the lock order.
 */
class Relock extends Error {}

export async function deliver(
  db: Kysely<DB>,
  delivery: Delivery,
  observer: StoreObserver = unobserved,
): Promise<DeliveryResult> {
  const started = process.hrtime.bigint();
  // The rooms the delivery names whatever state its call is in, which are nearly always all it needs, are
  // locked in the same statement as the call. When they are not, it runs again, locking rooms only after
  // it has read the call.
  const namedRooms = plan(delivery.command, initialCallState, delivery.room)
    .map((step) => step.room)
    .filter((room) => room !== NO_ROOM);
  const handled = await db
    .transaction()
    .execute((trx) => handleInTransaction(trx, delivery, observer, namedRooms))
    .catch((error: unknown) => {
      if (!(error instanceof Relock)) throw error;
      return db.transaction().execute((trx) => handleInTransaction(trx, delivery, observer, []));
    });
  observer.transaction(seconds(started));
  return handled;
}

async function handleInTransaction(
  trx: Transaction<DB>,
  delivery: Delivery,
  observer: StoreObserver,
  namedRooms: string[],
): Promise<DeliveryResult> {
  const { accountSid, command, visit: rule } = delivery;
  const callSid = 'callSid' in command.data ? command.data.callSid : null;
  const foldsVisit = rule?.type === 'opens' && rule.foldIntoKey;
  let key = delivery.key;
  const duplicate = async () =>
    ({ duplicate: true, outcome: (await findInboxOutcome(trx, accountSid, key)) as Outcome }) as const;
  const locking = process.hrtime.bigint();
  const locked = await claimAndLock(
    trx,
    { accountSid, key: foldsVisit ? null : key, callSid, withVisits: rule !== undefined },
    PLACEHOLDER,
    namedRooms,
    LOCK_TIMEOUT,
  );
  if (locked === null) return duplicate();
  const { call, visits } = locked;
  const steps = plan(command, call, delivery.room);
  const held = new Map(locked.rooms.map((room) => [room.name, room]));
  const missing = steps.map((step) => step.room).filter((room) => !held.has(room));
  if (missing.some((room) => namedRooms.some((taken) => taken > room))) throw new Relock();
  for (const room of await lockRooms(trx, accountSid, missing)) held.set(room.name, room);
  observer.lockWait(seconds(locking));
  if (endsAnEarlierVisit(visits, rule)) return { duplicate: false, outcome: PLACEHOLDER };
  const visitRoom = command.type === 'JoinConference' ? command.data.friendlyName : null;
  const visit =
    rule?.type === 'opens' && visitRoom !== null && callSid !== null
      ? visitOf(visits, visitRoom, Boolean(held.get(visitRoom)?.state.live?.participants[callSid]))
      : null;
  if (foldsVisit) {
    key = `${key} visit ${visit}`;
    if (!(await claimKey(trx, accountSid, key, PLACEHOLDER))) return duplicate();
  }
  const rooms = steps.map((step) => held.get(step.room) as LockedRoom);
  const ran = decideEach(
    command,
    steps,
    rooms.map((room) => room.state),
    call,
  );

  const produced: RoomEvent[] = [];
  const projection = new Projection();
  const writes = [];
  const advances = [];
  for (const [i, { room, events, state }] of ran.applied.entries()) {
    if (events.length === 0) continue;
    const version = rooms[i]?.version ?? 0;
    const { insert, advance } = appendToRoom(trx, accountSid, room, version, events, state);
    writes.push(insert);
    advances.push({ room, version, advance });
    for (const { event } of events) {
      projection.apply(accountSid, event);
      produced.push(event);
    }
  }
  writes.push(...projection.writes(trx));
  if (callSid !== null && (ran.call.room !== call.room || ran.call.ended !== call.ended)) {
    writes.push(
      trx
        .updateTable('calls')
        .set({ room: ran.call.room, ended: ran.call.ended })
        .where('account_sid', '=', accountSid)
        .where('call_sid', '=', callSid),
    );
  }
  const target = ran.applied[ran.applied.length - 1]?.state.live ?? null;
  const decided = outcomeOf(command, produced, target);
  const outcome = decided.result === 'joined' && visit !== null ? { ...decided, visit } : decided;
  if (visit !== null && callSid !== null) {
    const turnedAway = outcome.result === 'rejected';
    if (visit !== visits.visit || turnedAway !== visits.turnedAway) {
      writes.push(
        trx
          .updateTable('call_visits')
          .set({ visit, room: visitRoom, turned_away: turnedAway })
          .where('account_sid', '=', accountSid)
          .where('call_sid', '=', callSid),
      );
    }
  }
  if (outcome.result !== PLACEHOLDER.result) writes.push(recordInboxOutcome(trx, accountSid, key, outcome));

  // Everything this delivery writes goes in one statement: one round trip between the locks and the commit.
  const advanced = await writeInOneStatement(
    trx,
    writes,
    advances.map((a) => a.advance),
  );
  for (const [i, { room, version }] of advances.entries()) {
    if (advanced[i] !== 1) throw new ConcurrencyError(accountSid, room, version);
  }
  return { duplicate: false, outcome };
}

export function outcomeOf(
  command: RoomCommand,
  events: RoomEvent[],
  live: { sid: string; participants: Record<string, unknown> } | null,
): Outcome {
  if (command.type === 'JoinConference') {
    if (live?.participants[command.data.callSid]) return { result: 'joined', conferenceSid: live.sid };
    const rejected = events.find((e) => e.type === 'JoinRejected');
    if (rejected) {
      const { reason, code } = rejected.data;
      return code === undefined ? { result: 'rejected', reason } : { result: 'rejected', reason, code };
    }
    return { result: 'ignored' };
  }
  return events.length > 0 ? { result: 'applied', events: events.length } : { result: 'ignored' };
}
