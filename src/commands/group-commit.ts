// Natural group commit: deliveries that arrive while the write lanes are busy wait, and the next free lane
// takes all that wait (up to a bound) into one transaction: calls then rooms locked in the global order,
// each delivery decided in arrival order on the state the earlier ones left, everything written by one
// statement, one COMMIT, and only then each delivery answered. No timer: an idle server runs a lone
// delivery at once, as a batch of one, so that every delivery takes its locks in the batch's one order (a
// lone delivery taking them in another order could deadlock with a batch holding the same call). Should a
// batch fail as a whole (a key taken meanwhile, a bug), its deliveries run again one by one, so that none
// fails for another; with the database gone, each is answered so at once. A lock not had in time is told
// to those deliveries that need a row another transaction still holds; the rest go again together, once.
// See docs/write-path.md for the invariants and why they hold.

import type { Kysely, Transaction } from 'kysely';
import { type CallState, initialCallState } from '../domain/call.js';
import { decideEach, plan } from '../domain/delivery.js';
import type { RoomEvent } from '../domain/events.js';
import { Projection, type ProjectionRows, projectionWrites } from '../reads/projection.js';
import {
  advanceRooms,
  appendEvents,
  heldRows,
  lockCalls,
  lockRoomsAndReadInbox,
  type Owned,
  ownedKey,
  type PositionedEvent,
  type RoomAppend,
  readCalls,
  readRoomsAndInbox,
  recordOutcomes,
  type StoreRows,
  storeCalls,
  storeRows,
  storeVisits,
} from '../store/batch.js';
import { unavailableCause } from '../store/errors.js';
import { ConcurrencyError } from '../store/events.js';
import { FixedStatement } from '../store/fixed-statement.js';
import { noVisit, transactionSettings, type VisitState } from '../store/locks.js';
import type { DB } from '../store/schema.js';
import { type Counts, countsOf, inOneStatement } from '../store/single-statement.js';
import {
  type Delivery,
  type DeliveryResult,
  deliver,
  LOCK_TIMEOUT,
  type Outcome,
  outcomeOf,
  PLACEHOLDER,
  type StoreObserver,
} from './deliver.js';
import { endsAnEarlierVisit, visitOf } from './visits.js';

export interface GroupCommitOptions {
  /** Transactions in flight at once, each on its own connection. */
  lanes: number;
  /** Deliveries per transaction at most. */
  maxBatch: number;
  /**
   * Whether a batch locks its calls and rooms. A database with one session (PGlite) runs one transaction
   * at a time, so a batch there reads them instead: the locks would only write a new version of each row.
   */
  locks: boolean;
}

interface Waiting {
  delivery: Delivery;
  resolve: (result: DeliveryResult) => void;
  reject: (error: unknown) => void;
  /** Sent back into line once already, after its batch's lock timeout. */
  again?: true;
}

/** How long the look at which rows are held waits for a table another transaction locked (a rebuild). */
const PROBE_LOCK_TIMEOUT = '500ms';

// Everything a batch decided, written by one statement. Every part is sent, those with nothing to write
// too, so that the text is the same for every batch: the database prepares it once, and the process builds
// and compiles it once.
const BATCH_WRITE = new FixedStatement<ProjectionRows & StoreRows, Counts>(
  {
    conferences: true,
    participants: true,
    recordings: true,
    conferenceUpdates: true,
    participantUpdates: true,
    events: true,
    calls: true,
    visits: true,
    advancedRooms: true,
    createdRooms: true,
    outcomes: true,
  },
  (executor, rows) =>
    inOneStatement(
      [
        ...projectionWrites(executor, rows),
        appendEvents(executor, rows.events),
        storeCalls(executor, rows.calls),
        storeVisits(executor, rows.visits),
      ],
      [
        ...advanceRooms(executor, rows.advancedRooms, rows.createdRooms),
        recordOutcomes(executor, rows.outcomes),
      ],
    ),
);

const callSidOf = (delivery: Delivery) =>
  'callSid' in delivery.command.data ? delivery.command.data.callSid : null;

/** A delivery's key once its visit is folded in, as deliver.ts folds it. */
const foldedKey = (key: string, visit: number) => `${key} visit ${visit}`;

const foldsVisit = (delivery: Delivery) => delivery.visit?.type === 'opens' && delivery.visit.foldIntoKey;

/** Thrown when a batch would have to lock a room it did not lock up front: it runs one by one instead. */
class UnlockedRoom extends Error {}

export function groupCommitter(
  db: Kysely<DB>,
  observer: StoreObserver | undefined,
  options: GroupCommitOptions,
) {
  const waiting: Waiting[] = [];
  let running = 0;

  let scheduled = false;

  // A lane starts at the end of the event loop's turn, not at once: requests whose bodies arrived in the
  // same turn then go together. PGlite runs a whole transaction in microtasks, so a lane started at once
  // would finish before the turn's next request reached it, and every batch would be of one.
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  }

  function pump() {
    scheduled = false;
    while (running < options.lanes && waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch);
      running++;
      void runBatch(batch).finally(() => {
        running--;
        schedule();
      });
    }
  }

  async function runBatch(batch: Waiting[]) {
    const started = process.hrtime.bigint();
    try {
      const results = await db.transaction().execute((trx) =>
        decideBatch(
          trx,
          batch.map((w) => w.delivery),
          observer,
          options.locks,
        ),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (const [i, w] of batch.entries()) {
        observer?.transaction(seconds);
        w.resolve(results[i] as DeliveryResult);
      }
      return;
    } catch (error) {
      const cause = unavailableCause(error);
      if (cause === 'lock-timeout') return retryUnblocked(batch, error);
      // The database away or a deadlock is the same for each delivery alone: each is answered so (503) at
      // once. Anything else went wrong for the batch: each gets its own attempt and answer.
      if (cause !== null) {
        for (const w of batch) w.reject(error);
        return;
      }
    }
    await Promise.all(
      batch.map((w) =>
        deliver(db, w.delivery, observer).then(
          (result) => w.resolve(result),
          (error: unknown) => w.reject(error),
        ),
      ),
    );
  }

  // One row held by someone else (an operator's session, a stray transaction) must not fail the dozens of
  // deliveries that shared its batch and need none of it. Those that need a row still held are answered
  // with the timeout; the others go back to the front of the line, to run again together (not one by one:
  // under a lock every delivery needs, that would take every pooled connection), once.
  async function retryUnblocked(batch: Waiting[], timeout: unknown) {
    let blocked: Set<Delivery>;
    try {
      const answered = new Set(batch.filter((w) => w.again).map((w) => w.delivery));
      blocked = await blockedOf(
        db,
        batch.map((w) => w.delivery),
        answered,
      );
    } catch {
      blocked = new Set(batch.map((w) => w.delivery));
    }
    const again: Waiting[] = [];
    for (const w of batch) {
      if (blocked.has(w.delivery)) w.reject(timeout);
      else again.push({ ...w, again: true });
    }
    waiting.unshift(...again);
  }

  return (delivery: Delivery): Promise<DeliveryResult> =>
    new Promise((resolve, reject) => {
      waiting.push({ delivery, resolve, reject });
      schedule();
    });
}

/**
 * The deliveries of `batch` that need a call or room another transaction holds now, or are `answered` with
 * the timeout anyway (put back once already), and those after one of them on the same call (or, without a
 * call, in the same room): a call's deliveries are decided in their order, and a later one committed while
 * an earlier one is answered with the timeout would run ahead of it (a leave before its join).
 */
async function blockedOf(db: Kysely<DB>, batch: Delivery[], answered: Set<Delivery>): Promise<Set<Delivery>> {
  return db.transaction().execute(async (trx) => {
    await transactionSettings(PROBE_LOCK_TIMEOUT).execute(trx);
    const key = (o: Owned) => ownedKey(o.accountSid, o.name);
    const callsOf = (d: Delivery): Owned[] => {
      const callSid = callSidOf(d);
      return callSid === null ? [] : [{ accountSid: d.accountSid, name: callSid }];
    };
    const calls = batch.flatMap(callsOf);
    const current = new Map(
      (await readCalls(trx, calls, new Set())).map((c) => [ownedKey(c.accountSid, c.callSid), c.call]),
    );
    const needs = batch.map((d) => {
      const [call] = callsOf(d);
      const state = (call && current.get(key(call))) || initialCallState;
      return { delivery: d, calls: callsOf(d), rooms: roomsOf(d, state) };
    });
    const held = await heldRows(
      trx,
      calls,
      needs.flatMap((n) => n.rooms),
    );
    const blocked = new Set<Delivery>();
    const blockedRooms = new Set<string>();
    for (const n of needs) {
      const waits =
        answered.has(n.delivery) ||
        n.calls.some((c) => held.calls.has(key(c))) ||
        n.rooms.some((r) => held.rooms.has(key(r)) || (n.calls.length === 0 && blockedRooms.has(key(r))));
      if (!waits) continue;
      blocked.add(n.delivery);
      for (const c of n.calls) held.calls.add(key(c));
      for (const r of n.rooms) blockedRooms.add(key(r));
    }
    return blocked;
  });
}

/**
 * Every room `delivery` may touch, its call being `call`: those it names, and those its call is in. Within a
 * batch a call only moves to a room some delivery names, so these are all the rooms the batch can need.
 */
function roomsOf(delivery: Delivery, call: CallState): Owned[] {
  return [call, initialCallState].flatMap((state) =>
    plan(delivery.command, state, delivery.room).map((step) => ({
      accountSid: delivery.accountSid,
      name: step.room,
    })),
  );
}

async function decideBatch(
  trx: Transaction<DB>,
  batch: Delivery[],
  observer: StoreObserver | undefined,
  locks: boolean,
): Promise<DeliveryResult[]> {
  const locking = process.hrtime.bigint();
  const callsWanted: Owned[] = [];
  const withVisits = new Set<string>();
  for (const d of batch) {
    const callSid = callSidOf(d);
    if (callSid === null) continue;
    callsWanted.push({ accountSid: d.accountSid, name: callSid });
    if (d.visit !== undefined) withVisits.add(ownedKey(d.accountSid, callSid));
  }
  const lockedCalls = locks
    ? await lockCalls(trx, callsWanted, withVisits, LOCK_TIMEOUT)
    : await readCalls(trx, callsWanted, withVisits);
  const calls = new Map<string, CallState>();
  const visits = new Map<string, VisitState>();
  for (const c of lockedCalls) {
    calls.set(ownedKey(c.accountSid, c.callSid), c.call);
    visits.set(ownedKey(c.accountSid, c.callSid), c.visits);
  }
  const callOf = (d: Delivery) => {
    const callSid = callSidOf(d);
    return callSid === null
      ? initialCallState
      : (calls.get(ownedKey(d.accountSid, callSid)) ?? initialCallState);
  };

  const roomsWanted: Owned[] = [];
  const keys: Owned[] = [];
  for (const d of batch) {
    roomsWanted.push(...roomsOf(d, callOf(d)));
    const callSid = callSidOf(d);
    if (!foldsVisit(d)) keys.push({ accountSid: d.accountSid, name: d.key });
    else if (callSid !== null) {
      // A retry of the call's current visit holds this key; a key of a later visit cannot exist yet.
      const current = visits.get(ownedKey(d.accountSid, callSid)) ?? noVisit;
      keys.push({ accountSid: d.accountSid, name: foldedKey(d.key, current.visit) });
    }
  }
  const locked = locks
    ? await lockRoomsAndReadInbox(trx, roomsWanted, keys)
    : await readRoomsAndInbox(trx, roomsWanted, keys);
  observer?.lockWait(Number(process.hrtime.bigint() - locking) / 1e9);
  const rooms = new Map(locked.rooms.map((r) => [ownedKey(r.accountSid, r.name), { ...r, appended: 0 }]));
  const remembered = locked.outcomes;

  const appends = new Map<string, RoomAppend>();
  const positioned: PositionedEvent[] = [];
  const changedCalls = new Map<string, { accountSid: string; callSid: string; call: CallState }>();
  const changedVisits = new Map<string, { accountSid: string; callSid: string; visits: VisitState }>();
  const recorded: { accountSid: string; key: string; outcome: Outcome }[] = [];
  const projection = new Projection();
  const results: DeliveryResult[] = [];

  for (const d of batch) {
    const { accountSid, command, visit: rule } = d;
    const callSid = callSidOf(d);
    const callKey = callSid === null ? null : ownedKey(accountSid, callSid);
    const call = callOf(d);
    const callVisits = (callKey !== null && visits.get(callKey)) || noVisit;
    const steps = plan(command, call, d.room);
    const held = steps.map((step) => rooms.get(ownedKey(accountSid, step.room)));
    if (held.some((room) => room === undefined)) throw new UnlockedRoom();
    const states = held.map((room) => (room as NonNullable<typeof room>).state);

    const visitRoom = command.type === 'JoinConference' ? command.data.friendlyName : null;
    const visitIndex = visitRoom === null ? -1 : steps.findIndex((step) => step.room === visitRoom);
    const visit =
      rule?.type === 'opens' && visitRoom !== null && callSid !== null
        ? visitOf(callVisits, visitRoom, Boolean(states[visitIndex]?.live?.participants[callSid]))
        : null;
    const key = foldsVisit(d) && visit !== null ? foldedKey(d.key, visit) : d.key;
    const earlier = remembered.get(ownedKey(accountSid, key));
    if (earlier !== undefined) {
      results.push({ duplicate: true, outcome: earlier as Outcome });
      continue;
    }
    if (endsAnEarlierVisit(callVisits, rule)) {
      remember(accountSid, key, PLACEHOLDER);
      results.push({ duplicate: false, outcome: PLACEHOLDER });
      continue;
    }
    const ran = decideEach(command, steps, states, call);
    const produced: RoomEvent[] = [];
    for (const [i, applied] of ran.applied.entries()) {
      if (applied.events.length === 0) continue;
      const room = held[i] as NonNullable<(typeof held)[number]>;
      const roomKey = ownedKey(accountSid, applied.room);
      const append = appends.get(roomKey) ?? {
        accountSid,
        room: applied.room,
        expectedVersion: room.version,
        count: 0,
        state: room.state,
      };
      for (const { id, event } of applied.events) {
        append.count += 1;
        positioned.push({
          accountSid,
          room: applied.room,
          position: append.expectedVersion + append.count,
          id,
          event,
        });
      }
      append.state = applied.state;
      appends.set(roomKey, append);
      room.state = applied.state;
      for (const { event } of applied.events) {
        projection.apply(accountSid, event);
        produced.push(event);
      }
    }
    if (
      callKey !== null &&
      callSid !== null &&
      (ran.call.room !== call.room || ran.call.ended !== call.ended)
    ) {
      calls.set(callKey, ran.call);
      changedCalls.set(callKey, { accountSid, callSid, call: ran.call });
    }
    const target = ran.applied[ran.applied.length - 1]?.state.live ?? null;
    const decided = outcomeOf(command, produced, target);
    const outcome = decided.result === 'joined' && visit !== null ? { ...decided, visit } : decided;
    if (visit !== null && callKey !== null && callSid !== null) {
      const turnedAway = outcome.result === 'rejected';
      if (visit !== callVisits.visit || turnedAway !== callVisits.turnedAway) {
        const next = { visit, room: visitRoom, turnedAway };
        visits.set(callKey, next);
        changedVisits.set(callKey, { accountSid, callSid, visits: next });
      }
    }
    remember(accountSid, key, outcome);
    results.push({ duplicate: false, outcome });
  }

  function remember(accountSid: string, key: string, outcome: Outcome) {
    remembered.set(ownedKey(accountSid, key), outcome);
    recorded.push({ accountSid, key, outcome });
  }

  const appended = [...appends.values()];
  const written = await BATCH_WRITE.execute(trx, {
    ...projection.rows(),
    ...storeRows({
      events: positioned,
      calls: [...changedCalls.values()],
      visits: [...changedVisits.values()],
      appends: appended,
      outcomes: recorded,
    }),
  });
  const [advancedExisting = 0, advancedNew = 0, inserted] = countsOf(written.rows);
  if (advancedExisting + advancedNew !== appended.length) {
    const first = appended[0] as RoomAppend;
    throw new ConcurrencyError(first.accountSid, first.room, first.expectedVersion);
  }
  if (inserted !== recorded.length) throw new Error('an inbox key was taken meanwhile');
  return results;
}
