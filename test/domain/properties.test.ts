// Random call flows across a few rooms, delivered through the store model, with the invariants of
// DESIGN §2 checked after every step and a rebuild from the log compared with the live state at the end.

import fc from 'fast-check';
import { expect, it } from 'vitest';
import { callSidOf } from '../../src/domain/events.js';
import type { LiveConference } from '../../src/domain/room.js';
import { commands } from '../helpers/commands.js';
import { type Action, action, deliveryFor, platformSidOf, ROOMS } from './flows.js';
import { type Delivered, type Delivery, deliver, emptyWorld, rebuild, type World } from './store-model.js';

/** The starts the platform reported: they need not follow Conclave's start rule. */
const platformStarts = new WeakSet<object>();

type Status = LiveConference['status'] | 'completed';
const RANK: Record<Status, number> = { init: 0, 'in-progress': 1, completed: 2 };

interface Instance {
  sid: string;
  room: string;
  joins: number;
  leaves: number;
  /** The calls present, each with whether it may start the conference. */
  present: Map<string, boolean>;
  /** The newest SequenceNumber recorded per call. */
  sequences: Map<string, number>;
  started: boolean;
  ended: boolean;
  platformSid?: string;
}

/** The instances the log describes, checking on the way what the log alone must show. */
function readLog(log: World['log']): Map<string, Instance> {
  const instances = new Map<string, Instance>();
  const unended = new Map<string, Instance>();
  for (const { room, event } of log) {
    if (event.type === 'ConferenceOpened') {
      const sid = event.data.conferenceSid;
      expect(instances.has(sid), 'a Sid opens once').toBe(false);
      expect(unended.has(room), `one live instance in ${room}`).toBe(false);
      const opened = { sid, room, joins: 0, leaves: 0, present: new Map(), sequences: new Map() };
      instances.set(sid, { ...opened, started: false, ended: false });
      unended.set(room, instances.get(sid) as Instance);
      continue;
    }
    const instance = unended.get(room);
    const named = 'conferenceSid' in event.data ? event.data.conferenceSid : null;
    if (event.type === 'ConferenceSidReported' || event.type === 'ConferenceEndCorrected') {
      const about = instances.get(event.data.conferenceSid);
      expect(about?.room, 'the platform names an instance of the room').toBe(room);
      if (event.type === 'ConferenceEndCorrected')
        expect(about?.ended, 'a correction follows an end').toBe(true);
      if (event.type === 'ConferenceSidReported' && about) {
        expect(about.platformSid, 'the first Sid reported stays').toBeUndefined();
        about.platformSid = event.data.platformSid;
      }
      continue;
    }
    if (named !== null) expect(named, 'an event names the live instance of its room').toBe(instance?.sid);
    if (!instance) continue;
    const call = callSidOf(event);
    const sequenceNumber = 'sequenceNumber' in event.data ? event.data.sequenceNumber : null;
    // A report held for a join that has not arrived is applied, in its order, after that join.
    const applied = event.type !== 'ParticipantUpdateArrivedEarly';
    if (call !== null && sequenceNumber !== null && applied) {
      expect(sequenceNumber, `callbacks for ${call} recorded in order`).toBeGreaterThan(
        instance.sequences.get(call) ?? Number.NEGATIVE_INFINITY,
      );
      instance.sequences.set(call, sequenceNumber);
    }
    switch (event.type) {
      case 'ParticipantJoined':
        expect(instance.present.has(event.data.callSid), 'a call joins once at a time').toBe(false);
        instance.present.set(event.data.callSid, event.data.startConferenceOnEnter);
        instance.joins++;
        break;
      case 'ParticipantLeft':
        expect(instance.present.delete(event.data.callSid), 'only a present call leaves').toBe(true);
        instance.leaves++;
        break;
      case 'ConferenceStarted':
        expect(instance.started, 'a conference starts once').toBe(false);
        expect(meetsStartRule(instance.present) || platformStarts.has(event), 'the start rule').toBe(true);
        instance.started = true;
        break;
      case 'ConferenceEnded':
        expect([...instance.present.keys()], 'everyone leaves with the conference').toEqual([]);
        instance.ended = true;
        unended.delete(room);
        break;
    }
  }
  return instances;
}

function meetsStartRule(present: Map<string, boolean>): boolean {
  return present.size >= 2 && [...present.values()].some(Boolean);
}

/** The invariants of DESIGN §2, read from the live state and checked against the log. */
function checkInvariants(world: World, statuses: Map<string, Status>): void {
  const instances = readLog(world.log);
  const present: string[] = [];
  for (const name of ROOMS) {
    const live = world.rooms.get(name)?.live ?? null;
    const unended = [...instances.values()].find((i) => i.room === name && !i.ended);
    expect(live?.sid, `the live instance of ${name}`).toBe(unended?.sid);
    if (!live || !unended) continue;
    const participants = Object.keys(live.participants);
    expect(participants.length, 'participants = joins - leaves').toBe(unended.joins - unended.leaves);
    expect(participants.sort()).toEqual([...unended.present.keys()].sort());
    expect(live.status).toBe(unended.started ? 'in-progress' : 'init');
    if (live.status === 'init')
      expect(meetsStartRule(unended.present), 'started as soon as it may').toBe(false);
    present.push(...participants);
  }
  expect(new Set(present).size, 'a call is in one live instance at most').toBe(present.length);
  for (const [sid, state] of world.calls) {
    if (state.ended) expect(present, `ended call ${sid} is in no live instance`).not.toContain(sid);
  }
  for (const [sid, instance] of instances) {
    const live = world.rooms.get(instance.room)?.live;
    const now: Status = live?.sid === sid ? live.status : 'completed';
    const before = statuses.get(sid) ?? 'init';
    expect(RANK[now], `${sid} went from ${before} to ${now}`).toBeGreaterThanOrEqual(RANK[before]);
    statuses.set(sid, now);
  }
}

/** Rooms and calls as a read model would show them: live instances, and calls Conclave has placed. */
function visible({ rooms, calls }: Pick<World, 'rooms' | 'calls'>) {
  return {
    rooms: Object.fromEntries([...rooms].filter(([, state]) => state.live !== null)),
    calls: Object.fromEntries([...calls].filter(([, state]) => state.room !== null || state.ended)),
  };
}

/** What a step showed, so that the run can prove the flows reach every rule. */
function notice(seen: Set<string>, next: Action, before: World, result: Delivered): void {
  for (const { room, event } of result.appended) {
    seen.add(`event:${event.type}`);
    if (event.type === 'ParticipantJoined') {
      const left = before.log.findLast(
        (l) => l.event.type === 'ParticipantLeft' && l.event.data.callSid === event.data.callSid,
      );
      if (left) seen.add(left.room === room ? 'came-back:same-room' : 'came-back:other-room');
    }
    if (event.type === 'ParticipantLeft') seen.add(`left:${event.data.reason}`);
    if (
      event.type === 'ParticipantUpdated' &&
      result.appended.some(
        (l) => l.event.type === 'ParticipantJoined' && l.event.data.callSid === event.data.callSid,
      )
    ) {
      seen.add('applied-early');
    }
    if (event.type === 'ConferenceEnded') seen.add(`ended:${event.data.reason}`);
    if (event.type === 'JoinRejected') seen.add(`rejected:${event.data.reason}`);
    if (event.type === 'ConferenceOpened' && before.log.some((l) => l.room === room)) seen.add('reopened');
    if (event.type === 'ParticipantLeft' && event.data.reason === 'moved' && next.kind === 'reported-join') {
      seen.add('moved-by-platform');
    }
    if (
      event.type === 'ConferenceEnded' &&
      next.kind !== 'platform-end' &&
      'names' in next &&
      next.names === 'new'
    ) {
      seen.add('successor');
    }
  }
  // A callback about an earlier instance that left the live one as it was.
  const about = 'names' in next && next.names === 'earlier' ? next.room : null;
  const live = about === null ? undefined : before.rooms.get(about)?.live;
  if (about !== null && live && result.world.rooms.get(about)?.live === live) seen.add('ignored:earlier-end');
  if (result.appended.length > 0) return;
  if (next.kind === 'update' && next.sequenceNumber !== null) seen.add('ignored:update');
  if (next.kind === 'reported-join') seen.add('ignored:reported-join');
}

/** The rules a single step must follow, whatever came before. */
function checkStep(next: Action, before: World, result: Delivered): void {
  const appended = 'appended' in result ? result.appended.map((l) => l.event) : [];
  if (next.kind === 'again') {
    expect(visible(result.world), 'a repeated delivery changes nothing').toEqual(visible(before));
    // Only a refused attempt's audit line, or an update that cannot be told from a new one, repeats.
    const repeatable = appended.filter(
      (e) => e.type === 'JoinRejected' || (e.type === 'ParticipantUpdated' && e.data.sequenceNumber === null),
    );
    expect(appended, 'a repeated delivery records nothing new').toEqual(repeatable);
  }
  const live = next.kind === 'platform-end' ? before.rooms.get(next.room)?.live : undefined;
  if (next.kind === 'platform-end' && live) {
    const after = result.world.rooms.get(next.room)?.live ?? null;
    const adopted = live.platformSid !== null;
    const earlier = before.rooms.get(next.room)?.earlier ?? [];
    const hasEarlier = earlier.length > 0;
    // A Sid the Timestamps gave to an earlier instance stays that instance's.
    const taken = earlier.some((c) => c.platformSid === platformSidOf(live.sid));
    if (next.names === 'live' && (adopted || (next.reported !== 'before' && !taken))) {
      expect(after, 'an end naming the live instance ends it').toBeNull();
    }
    // Only a Sid the room knows, or a Timestamp from before the live instance, says it is about another.
    const known = earlier[0]?.platformSid != null || (next.reported === 'before' && !adopted);
    if (next.names === 'earlier' && hasEarlier && known) {
      expect(after, 'an end of an earlier instance leaves the live one alone').toEqual(live);
    }
    if (next.names === 'new' && adopted) expect(after, 'a Sid new to the room ends the live one').toBeNull();
  }
  // A Sid new to the room ends the live instance as the platform moved on, without a reason of its own. Once
  // the live instance has its platform Sid, an earlier instance's that the platform never told is new to the
  // room too (README: only before that do Timestamps place an unknown Sid).
  if (next.kind !== 'platform-end' || next.names === 'new') return;
  const room = before.rooms.get(next.room);
  const untold = next.names === 'earlier' && room?.earlier?.[0]?.platformSid == null;
  if (untold && room?.live != null && room.live.platformSid !== null) return;
  for (const event of appended) {
    if (event.type === 'ConferenceEnded' || event.type === 'ConferenceEndCorrected') {
      expect(event.data.reason, "the platform's reason wins").toBe(next.reason ?? event.data.reason);
    }
  }
}

/**
 * Conclave's own TwiML admits no one past maxParticipants. A join the platform reports has happened, and
 * is recorded even when a leave the platform sent before it has not arrived yet.
 */
function checkCap({ command }: Delivery, before: World, result: Delivered): void {
  if (command.type !== 'JoinConference' || command.data.via !== 'voice') return;
  const live = before.rooms.get(command.data.friendlyName)?.live;
  if (!live) return;
  const admitted = result.appended.some(
    ({ event }) => event.type === 'ParticipantJoined' && event.data.conferenceSid === live.sid,
  );
  if (admitted) {
    expect(Object.keys(live.participants).length, 'admitted past maxParticipants').toBeLessThan(
      live.maxParticipants,
    );
  }
}

function play(actions: Action[], seen: Set<string>): void {
  const build = commands();
  const made: Delivery[] = [];
  const statuses = new Map<string, Status>();
  let world = emptyWorld;
  for (const next of actions) {
    const delivery = deliveryFor(next, world, made, build);
    if (!delivery) continue;
    const result = deliver(world, delivery);
    if (delivery.command.type === 'StartConference') {
      for (const { event } of result.appended) platformStarts.add(event);
    }
    checkStep(next, world, result);
    checkCap(delivery, world, result);
    notice(seen, next, world, result);
    made.push(delivery);
    world = result.world;
    checkInvariants(world, statuses);
  }
  expect(visible(rebuild(world.log)), 'the log rebuilt').toEqual(visible(world));
}

const flows = fc.array(action, { minLength: 1, maxLength: 50 });

it('keeps the room invariants through random call flows, and the log rebuilds the live state', () => {
  fc.assert(
    fc.property(flows, (actions) => play(actions, new Set())),
    { numRuns: 600 },
  );
});

// The random runs above vary from one test run to the next, so some rare branch may go unvisited in any one
// of them; this run's flows are fixed by its seed, so that every branch below is exercised on every run
// (and a change to the generators that stops reaching one fails here rather than passing unexercised).
it('reaches every rule of the room in a fixed set of random flows', () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(flows, (actions) => play(actions, seen)),
    { numRuns: 600, seed: 20261129 },
  );
  expect([...seen]).toEqual(
    expect.arrayContaining([
      'event:ConferenceStarted',
      'event:ParticipantUpdated',
      'event:UnknownCallLeft',
      'event:ParticipantUpdateArrivedEarly',
      'applied-early',
      'event:CallEnded',
      'rejected:conference-full',
      'rejected:call-ended',
      'rejected:duplicate-label',
      'rejected:coach-not-connected',
      'event:ConferenceSidReported',
      'event:ConferenceEndCorrected',
      'ended:a-reason-added-later',
      'moved-by-platform',
      'successor',
      'left:moved',
      'left:hung-up',
      'left:dial-ended',
      'left:left',
      'left:conference-ended',
      'left:timed-out',
      'ended:last-participant-left',
      'ended:participant-with-end-conference-on-exit-left',
      'ended:conference-ended-via-api',
      'reopened',
      'came-back:same-room',
      'came-back:other-room',
      'ignored:earlier-end',
      'ignored:update',
      'ignored:reported-join',
    ]),
  );
});
