// The random call flows of the property tests: actions a platform and a reaper can take on a few rooms,
// and the delivery each makes in a given world. Shared by the in-memory property test and its run through
// the store on both databases. Room names include non-ASCII ones; platform callbacks name the live
// instance, an earlier one or one new to the room by its ConferenceSid, with Timestamps from before the live
// instance opened or from now.

import fc from 'fast-check';
import type { EndCall } from '../../src/domain/commands.js';
import type { JoinAttributes, ParticipantFlags } from '../../src/domain/events.js';
import { type Commands, callSid } from '../helpers/commands.js';
import { platformTimestamp } from './specification.js';
import type { Delivery, World } from './store-model.js';
import { timeOut } from './time-out.js';

export const ROOMS = ['alpha', 'bêta', '会議室 γ'] as const;
export type Room = (typeof ROOMS)[number];

const room = fc.constantFrom(...ROOMS);
const call = fc.integer({ min: 1, max: 6 }).map(callSid);
/** Calls the platform reports about: those above and two it placed alone, whose voice webhooks never come. */
const reportedCall = fc.integer({ min: 1, max: 8 }).map(callSid);
/** Small and often repeated, so that callbacks arrive late, early and twice. */
const sequenceNumber = fc.integer({ min: 1, max: 12 });
const rarely = <T>(value: fc.Arbitrary<T>, otherwise: T) =>
  fc.oneof({ arbitrary: fc.constant(otherwise), weight: 4 }, { arbitrary: value, weight: 1 });

const attributes: fc.Arbitrary<Partial<JoinAttributes>> = fc.record({
  label: rarely(fc.constantFrom('host', 'guest'), null),
  startConferenceOnEnter: fc.boolean(),
  endConferenceOnExit: rarely(fc.constant(true), false),
  maxParticipants: fc.integer({ min: 2, max: 5 }),
  muted: fc.boolean(),
  region: fc.constantFrom(null, 'us1', 'ie1'),
  callSidToCoach: rarely(call, null),
});

const flags: fc.Arbitrary<Partial<ParticipantFlags>> = fc.record({
  muted: fc.boolean(),
  hold: fc.boolean(),
  endConferenceOnExit: rarely(fc.constant(true), false),
});

/**
 * Which instance a platform callback names by its ConferenceSid: the live one, the one before it, one the
 * platform opened since (a Sid new to the room), or none at all; and its Timestamp: from before the live
 * instance opened, from now, or none.
 */
interface Names {
  names: 'live' | 'earlier' | 'new' | null;
  reported: 'before' | 'now' | null;
}

const names: fc.Arbitrary<Names> = fc.record({
  names: fc.oneof(
    { arbitrary: fc.constant('live' as const), weight: 3 },
    { arbitrary: fc.constant('earlier' as const), weight: 2 },
    { arbitrary: fc.constantFrom('new' as const, null), weight: 1 },
  ),
  reported: fc.constantFrom('before', 'now', null),
});

export type Action =
  | { kind: 'join'; call: string; room: Room; attributes: Partial<JoinAttributes> }
  | ({
      kind: 'reported-join';
      call: string;
      room: Room;
      sequenceNumber: number;
      coach: string | null;
    } & Names)
  | ({ kind: 'platform-start'; room: Room } & Names)
  | { kind: 'hang-up'; call: string; status: EndCall['data']['callStatus'] }
  | { kind: 'dial-end'; call: string }
  /** The `pick`th call that has left a room (and not ended) joining again: that room, or `elsewhere`. */
  | { kind: 'come-back'; pick: number; elsewhere: Room | null }
  | ({ kind: 'participant-leave'; call: string; room: Room; sequenceNumber: number } & Names)
  | ({
      kind: 'update';
      call: string;
      room: Room;
      flags: Partial<ParticipantFlags>;
      sequenceNumber: number | null;
    } & Names)
  | ({
      kind: 'platform-end';
      room: Room;
      reason: string | null;
      by: string | null;
    } & Names)
  /** The reaper finding the `pick`th participant of the live instance of `room` connected for
   * `maxCallDuration` or longer. */
  | { kind: 'time-out'; pick: number; room: Room; maxCallDuration: number }
  /** The delivery just made, delivered again at once. */
  | { kind: 'again' }
  /** A delivery made `back` steps ago, delivered again late. */
  | { kind: 'late-again'; back: number };

export const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('join'), call, room, attributes }), weight: 8 },
  {
    arbitrary: fc
      .record({
        kind: fc.constant('reported-join'),
        call: reportedCall,
        room,
        sequenceNumber,
        coach: rarely(call, null),
      })
      .chain((join) => names.map((named) => ({ ...join, ...named }))),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({ kind: fc.constant('platform-start'), room })
      .chain((start) => names.map((named) => ({ ...start, ...named }))),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('hang-up'),
      call,
      status: fc.constantFrom('completed', 'busy', 'failed', 'no-answer', 'canceled'),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('dial-end'), call }), weight: 3 },
  {
    arbitrary: fc.record({ kind: fc.constant('come-back'), pick: fc.nat(5), elsewhere: fc.option(room) }),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({ kind: fc.constant('participant-leave'), call: reportedCall, room, sequenceNumber })
      .chain((leave) => names.map((named) => ({ ...leave, ...named }))),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({
        kind: fc.constant('update'),
        call: reportedCall,
        room,
        flags,
        sequenceNumber: fc.option(sequenceNumber, { freq: 5, nil: null }),
      })
      .chain((update) => names.map((named) => ({ ...update, ...named }))),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({
        kind: fc.constant('platform-end'),
        room,
        // A reason Twilio may add later is kept as sent.
        reason: fc.constantFrom(
          'conference-ended-via-api',
          'participant-with-end-conference-on-exit-left',
          'last-participant-left',
          'a-reason-added-later',
          null,
        ),
        by: rarely(call, null),
      })
      .chain((end) => names.map((named) => ({ ...end, ...named }))),
    weight: 2,
  },
  {
    // The command clock ticks a second per delivery: a few seconds reach back a few deliveries.
    arbitrary: fc.record({
      kind: fc.constant('time-out'),
      pick: fc.nat(5),
      room,
      maxCallDuration: fc.integer({ min: 0, max: 20 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('again') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('late-again'), back: fc.nat(30) }), weight: 1 },
);

/** The Sid the platform gives an instance Conclave minted `sid` for: its hex digits reversed. */
export function platformSidOf(sid: string): string {
  return `CF${[...sid.slice(2)].reverse().join('')}`;
}

let fresh = 0;

/** The ConferenceSid and Timestamp a platform callback carries, as `named` asks. */
function reportedFor(named: Names, room: Room, world: World, now: number) {
  const state = world.rooms.get(room);
  const live = state?.live ?? null;
  const earlier = state?.earlier?.[0];
  const sids = {
    live: live && (live.platformSid ?? platformSidOf(live.sid)),
    earlier: earlier && (earlier.platformSid ?? platformSidOf(earlier.sid)),
    new: `CF${(++fresh).toString(16).padStart(32, 'a')}`,
  };
  const opened = live ? Date.parse(live.createdAt) : now;
  return {
    conferenceSid: named.names === null ? null : (sids[named.names] ?? null),
    at: named.reported && platformTimestamp(named.reported === 'before' ? opened - 1000 : now),
  };
}

/** The delivery an action makes in this world; null when it has nothing to act on. */
export function deliveryFor(next: Action, world: World, made: Delivery[], build: Commands): Delivery | null {
  const { join, leave, hangUp, update, endConference, clock } = build;
  const reported = (named: Names & { room: Room }) => reportedFor(named, named.room, world, clock.now());
  switch (next.kind) {
    case 'join':
      return { command: join(next.call, next.room, next.attributes) };
    case 'reported-join': {
      const command = join(
        next.call,
        next.room,
        { callSidToCoach: next.coach },
        // As the conference-status webhook makes it: the platform's participant-join names no From or To.
        {
          via: 'callback',
          sequenceNumber: next.sequenceNumber,
          hold: next.coach !== null,
          from: null,
          to: null,
        },
      );
      return {
        command: { ...command, data: { ...command.data, reported: reported(next) } },
        room: next.room,
      };
    }
    case 'platform-start': {
      const start = { type: 'StartConference', ...clock.next(), data: { reported: reported(next) } } as const;
      return { command: start, room: next.room };
    }
    case 'hang-up':
      return { command: hangUp(next.call, next.status) };
    case 'dial-end':
      return { command: leave(next.call, 'dial-ended') };
    case 'come-back': {
      const away = [...world.calls].filter(
        ([sid, { room, ended }]) =>
          room !== null && !ended && !world.rooms.get(room)?.live?.participants[sid],
      );
      const [sid, left] = away[next.pick % Math.max(away.length, 1)] ?? [];
      if (sid === undefined || !left?.room) return null;
      return { command: join(sid, next.elsewhere ?? (left.room as Room)) };
    }
    case 'participant-leave': {
      const command = leave(next.call, 'left', next.sequenceNumber);
      return {
        command: { ...command, data: { ...command.data, reported: reported(next) } },
        room: next.room,
      };
    }
    case 'update': {
      const command = update(next.call, next.flags, next.sequenceNumber);
      return {
        command: { ...command, data: { ...command.data, reported: reported(next) } },
        room: next.room,
      };
    }
    case 'platform-end': {
      const { conferenceSid, at } = reported(next);
      const ended = { conferenceSid, reportedAt: at, reason: next.reason, callSidEndingConference: next.by };
      return { command: endConference(ended), room: next.room };
    }
    case 'time-out': {
      const live = world.rooms.get(next.room)?.live;
      const present = Object.keys(live?.participants ?? {});
      const call = present[next.pick % Math.max(present.length, 1)];
      if (!live || call === undefined) return null;
      const command = timeOut(call, live.sid, next.maxCallDuration, clock.next());
      return { command, room: next.room };
    }
    case 'again':
    case 'late-again': {
      const back = next.kind === 'again' ? 0 : next.back % Math.max(made.length, 1);
      const earlier = made[made.length - 1 - back];
      if (!earlier) return null;
      // A reaper's retry is the same judgment, made at the same time: its inbox key names the stay it timed
      // out, not the moment. The edge, though, mints a new id and time for every request it receives.
      if (earlier.command.type === 'TimeOutParticipant') return earlier;
      return { ...earlier, command: { ...earlier.command, ...clock.next() } };
    }
  }
}
