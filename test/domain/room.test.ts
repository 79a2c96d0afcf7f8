import { describe, expect, it } from 'vitest';
import type { RoomCommand } from '../../src/domain/commands.js';
import type { ConferenceEnded } from '../../src/domain/events.js';
import { ulidToHex } from '../../src/domain/ids.js';
import { callSid, commands, defaultAttributes } from '../helpers/commands.js';
import { type ExpectedEvent, given, platformTimestamp } from './specification.js';
import type { Delivery, World } from './store-model.js';
import { FOUR_HOURS, later, timeOut } from './time-out.js';

const ROOM = 'standup';
const OTHER_ROOM = 'retro';
const [A, B, C, D] = [1, 2, 3, 4].map(callSid) as [string, string, string, string];

/** The Sid of the conference a join opens, when it is the first event of its delivery. */
function sidOf(command: RoomCommand): string {
  return `CF${ulidToHex(command.id)}`;
}

/** What the end of a conference records: everyone still present leaves with it, then it ends. */
function endOf(remaining: string[], ended: Partial<ConferenceEnded['data']>): ExpectedEvent[] {
  return [
    ...remaining.map(
      (call): ExpectedEvent => ({
        type: 'ParticipantLeft',
        // Each leave says why the conference ended, for the app's ReasonParticipantLeft.
        data: {
          callSid: call,
          reason: 'conference-ended',
          ...('reason' in ended && { endReason: ended.reason }),
        },
      }),
    ),
    { type: 'ConferenceEnded', data: ended },
  ];
}

function live(world: World, room = ROOM) {
  return world.rooms.get(room)?.live ?? null;
}

describe('opening an instance', () => {
  it('opens an init instance on the first join, its Sid CF and the hex digits of the command ULID', () => {
    const { join } = commands();
    const first = join(A, ROOM, { maxParticipants: 3, region: 'ie1' });
    const world = given()
      .when(first)
      .then([
        {
          type: 'ConferenceOpened',
          data: {
            conferenceSid: sidOf(first),
            friendlyName: ROOM,
            maxParticipants: 3,
            region: 'ie1',
            at: first.at,
          },
        },
        { type: 'ParticipantJoined', data: { conferenceSid: sidOf(first), callSid: A, at: first.at } },
      ]);
    expect(live(world)).toMatchObject({ sid: sidOf(first), status: 'init', createdAt: first.at });
    expect(sidOf(first)).toMatch(/^CF[0-9a-f]{32}$/);
  });

  it('puts later joins into the live instance instead of opening another', () => {
    const { join } = commands();
    const first = join(A, ROOM);
    given(first)
      .when(join(B, ROOM))
      .then([
        { type: 'ParticipantJoined', data: { conferenceSid: sidOf(first), callSid: B } },
        { type: 'ConferenceStarted', data: { conferenceSid: sidOf(first) } },
      ]);
  });

  it('opens a new instance with a new Sid for a join after the last one completed', () => {
    const { join, leave } = commands();
    const first = join(A, ROOM);
    const again = join(B, ROOM);
    const world = given(first, leave(A))
      .when(again)
      .then([
        { type: 'ConferenceOpened', data: { conferenceSid: sidOf(again), friendlyName: ROOM } },
        { type: 'ParticipantJoined', data: { conferenceSid: sidOf(again), callSid: B } },
      ]);
    expect(sidOf(again)).not.toBe(sidOf(first));
    expect(live(world)?.status).toBe('init');
  });
});

describe('starting', () => {
  it('leaves a lone participant in init, even one who may start the conference', () => {
    const { join } = commands();
    const world = given()
      .when(join(A, ROOM, { startConferenceOnEnter: true }))
      .then([{ type: 'ConferenceOpened' }, { type: 'ParticipantJoined' }]);
    expect(live(world)?.status).toBe('init');
  });

  it('starts once a second participant is present and one of the two may start it', () => {
    const { join } = commands();
    const second = join(B, ROOM, { startConferenceOnEnter: false });
    const world = given(join(A, ROOM, { startConferenceOnEnter: true }))
      .when(second)
      .then([
        { type: 'ParticipantJoined', data: { callSid: B } },
        { type: 'ConferenceStarted', data: { at: second.at } },
      ]);
    expect(live(world)?.status).toBe('in-progress');
  });

  it('keeps two participants who may not start it in init until one who may joins', () => {
    const { join } = commands();
    const history = given(
      join(A, ROOM, { startConferenceOnEnter: false }),
      join(B, ROOM, { startConferenceOnEnter: false }),
    );
    expect(live(history.world)?.status).toBe('init');
    history
      .when(join(C, ROOM, { startConferenceOnEnter: true }))
      .then([{ type: 'ParticipantJoined', data: { callSid: C } }, { type: 'ConferenceStarted' }]);
  });

  it('never returns an in-progress instance to init, not even with one participant left', () => {
    const { join, leave } = commands();
    const world = given(join(A, ROOM), join(B, ROOM))
      .when(leave(B))
      .then([{ type: 'ParticipantLeft', data: { callSid: B, reason: 'dial-ended' } }]);
    expect(live(world)).toMatchObject({ status: 'in-progress', participants: { [A]: { callSid: A } } });
    given(join(A, ROOM), join(B, ROOM), leave(B))
      .when(join(C, ROOM))
      .then([{ type: 'ParticipantJoined', data: { callSid: C } }]);
  });
});

describe('completing', () => {
  it('completes when the last participant leaves, naming that call', () => {
    const { join, leave } = commands();
    const first = join(A, ROOM);
    const world = given(first, join(B, ROOM), leave(A))
      .when(leave(B))
      .then([
        { type: 'ParticipantLeft', data: { callSid: B } },
        {
          type: 'ConferenceEnded',
          data: { conferenceSid: sidOf(first), reason: 'last-participant-left', callSidEndingConference: B },
        },
      ]);
    expect(live(world)).toBeNull();
  });

  it('completes an init instance whose lone participant hangs up, and ends the call', () => {
    const { join, hangUp } = commands();
    given(join(A, ROOM))
      .when(hangUp(A, 'completed'))
      .then([
        { type: 'ParticipantLeft', data: { callSid: A, reason: 'hung-up' } },
        { type: 'ConferenceEnded', data: { reason: 'last-participant-left', callSidEndingConference: A } },
        { type: 'CallEnded', data: { callSid: A, callStatus: 'completed' } },
      ]);
  });

  it('completes when a participant with endConferenceOnExit leaves, and everyone else leaves with them', () => {
    const { join, hangUp } = commands();
    const first = join(A, ROOM, { endConferenceOnExit: true });
    const world = given(first, join(B, ROOM), join(C, ROOM))
      .when(hangUp(A))
      .then([
        { type: 'ParticipantLeft', data: { callSid: A, reason: 'hung-up' } },
        ...endOf([B, C], {
          conferenceSid: sidOf(first),
          reason: 'participant-with-end-conference-on-exit-left',
          callSidEndingConference: A,
        }),
        { type: 'CallEnded', data: { callSid: A } },
      ]);
    expect(live(world)).toBeNull();
  });

  it('applies endConferenceOnExit to an instance still in init', () => {
    const { join, leave } = commands();
    const quiet = { startConferenceOnEnter: false };
    given(join(A, ROOM, { ...quiet, endConferenceOnExit: true }), join(B, ROOM, quiet))
      .when(leave(A))
      .then([
        { type: 'ParticipantLeft', data: { callSid: A } },
        ...endOf([B], { reason: 'participant-with-end-conference-on-exit-left' }),
      ]);
  });

  it('follows endConferenceOnExit as the platform updates it', () => {
    const { join, leave, update } = commands();
    given(
      join(A, ROOM, { endConferenceOnExit: true }),
      join(B, ROOM),
      update(A, { endConferenceOnExit: false }),
    )
      .when(leave(A))
      .then([{ type: 'ParticipantLeft', data: { callSid: A } }]);
    given(join(A, ROOM), join(B, ROOM), update(B, { endConferenceOnExit: true }))
      .when(leave(B))
      .then([
        { type: 'ParticipantLeft', data: { callSid: B } },
        ...endOf([A], { callSidEndingConference: B }),
      ]);
  });

  it('completes when the platform reports the conference ended, everyone leaving', () => {
    const { join, endConference } = commands();
    const first = join(A, ROOM);
    const world = given(first, join(B, ROOM))
      .when({
        command: endConference({ conferenceSid: sidOf(first), reason: 'conference-ended-via-api' }),
        room: ROOM,
      })
      .then(
        endOf([A, B], {
          conferenceSid: sidOf(first),
          reason: 'conference-ended-via-api',
          callSidEndingConference: null,
        }),
      );
    expect(live(world)).toBeNull();
  });

  // The app's callbacks carry Twilio's Timestamp, the platform's time: what a callback reported is recorded
  // with it beside Conclave's own `at`.
  it("keeps the platform's time on what its callbacks report, and on what that brings about", () => {
    const { clock, join, leave, update, endConference } = commands();
    const reportedAt = platformTimestamp(clock.now() - 5_000);
    const reported = { conferenceSid: null, at: reportedAt };
    const history = [join(A, ROOM), join(B, ROOM), join(C, ROOM)];
    const muted = update(B, { muted: true });
    given(...history)
      .when({ ...muted, data: { ...muted.data, reported } })
      .then([{ type: 'ParticipantUpdated', data: { callSid: B, muted: true, reportedAt } }]);
    const left = leave(C, 'left');
    given(...history)
      .when({ ...left, data: { ...left.data, reported } })
      .then([{ type: 'ParticipantLeft', data: { callSid: C, at: left.at, reportedAt } }]);
    given(...history)
      .when({ command: endConference({ reportedAt }), room: ROOM })
      .then(
        endOf([A, B, C], { reason: 'conference-ended-via-api' }).map((event) => ({
          ...event,
          data: { ...event.data, reportedAt },
        })) as ExpectedEvent[],
      );
    // Conclave's own decisions have no platform time to keep.
    given(...history)
      .when(leave(C))
      .then([
        { type: 'ParticipantLeft', data: expect.not.objectContaining({ reportedAt: expect.anything() }) },
      ]);
  });

  it("keeps the platform's time on a join it reported: the start it brings, and the leave of a moved call", () => {
    const { clock, join } = commands();
    const reportedAt = platformTimestamp(clock.now() - 5_000);
    const platformSid = `CF${'d'.repeat(32)}`;
    const byPlatform = (conferenceSid: string | null) =>
      ({ via: 'callback', sequenceNumber: 1, reported: { conferenceSid, at: reportedAt } }) as const;
    given(join(A, ROOM))
      .when(join(B, ROOM, {}, byPlatform(null)))
      .then([
        { type: 'ParticipantJoined', data: { callSid: B, reportedAt } },
        { type: 'ConferenceStarted', data: { reportedAt } },
      ]);
    // Moved here from another room by the platform: it left that room, which it ended, when it joined here.
    given(join(A, OTHER_ROOM))
      .when(join(A, ROOM, {}, byPlatform(platformSid)))
      .then([
        { type: 'ConferenceOpened', data: expect.not.objectContaining({ reportedAt: expect.anything() }) },
        { type: 'ConferenceSidReported', data: { platformSid } },
        { type: 'ParticipantJoined', data: { callSid: A, reportedAt } },
        { type: 'ParticipantLeft', data: { callSid: A, reason: 'moved', reportedAt } },
        { type: 'ConferenceEnded', data: { reason: 'last-participant-left', reportedAt } },
      ]);
  });

  describe('a platform end once the room has opened again', () => {
    const { clock, join, leave, endConference } = commands();
    const earlier = join(A, ROOM);
    const endedAt = platformTimestamp(clock.now() + 500);
    const history = [earlier, leave(A)];
    const newer = join(B, ROOM);
    const platformSid = `CF${'e'.repeat(32)}`;
    const adopted = (conferenceSid: string) =>
      ({ type: 'ConferenceSidReported', data: { conferenceSid, platformSid } }) as const;

    it('corrects the earlier instance, not the newer one, when its Timestamp is before the newer one opened', () => {
      const corrected = {
        type: 'ConferenceEndCorrected',
        data: { conferenceSid: sidOf(earlier), reason: 'conference-ended-via-api' },
      } as const;
      given(...history, newer)
        .when({ command: endConference({ conferenceSid: sidOf(earlier), reportedAt: endedAt }), room: ROOM })
        .then([corrected]);
      given(...history, newer)
        .when({ command: endConference({ conferenceSid: platformSid, reportedAt: endedAt }), room: ROOM })
        .then([adopted(sidOf(earlier)), corrected]);
    });

    it('ends the live instance, taking its Sid, when its Timestamp is not before the live one opened', () => {
      const later = platformTimestamp(Date.parse(newer.at) + 1000);
      given(...history, newer)
        .when({ command: endConference({ conferenceSid: platformSid, reportedAt: later }), room: ROOM })
        .then([adopted(sidOf(newer)), ...endOf([B], {})]);
    });

    // Twilio's Timestamp has whole seconds: an end in the second the live instance opened is about it.
    it('ends the live instance when its Timestamp is in the very second the live one opened', () => {
      for (const ms of [0, 999]) {
        const opened = Date.parse(newer.at);
        given(...history, { ...newer, at: new Date(opened + ms).toISOString() })
          .when({
            command: endConference({ conferenceSid: platformSid, reportedAt: platformTimestamp(opened) }),
            room: ROOM,
          })
          .then([adopted(sidOf(newer)), ...endOf([B], {})]);
      }
    });

    it('ends the live instance when it names that instance, whatever its Timestamp', () => {
      given(...history, newer)
        .when({ command: endConference({ conferenceSid: sidOf(newer), reportedAt: endedAt }), room: ROOM })
        .then(endOf([B], {}));
    });

    it('ends the live instance when it has no Timestamp to compare', () => {
      given(...history, newer)
        .when({ command: endConference({ conferenceSid: platformSid, reportedAt: null }), room: ROOM })
        .then([adopted(sidOf(newer)), ...endOf([B], {})]);
    });
  });

  // Twilio ends a conference `last-participant-left` when its last participant leaves, and on an
  // end-on-exit participant's leaving (../shared/reference/twilio-conference-api.md, conference status).
  it('lets the call the platform names as ending the conference leave when it did: last, or first', () => {
    const { join, endConference } = commands();
    given(join(B, ROOM), join(A, ROOM), join(C, ROOM))
      .when({
        command: endConference({ reason: 'last-participant-left', callSidEndingConference: B }),
        room: ROOM,
      })
      .then(endOf([A, C, B], { reason: 'last-participant-left', callSidEndingConference: B }));
    // Its leaving ended it: it went first.
    const reason = 'participant-with-end-conference-on-exit-left';
    given(join(B, ROOM), join(A, ROOM), join(C, ROOM))
      .when({ command: endConference({ reason, callSidEndingConference: C }), room: ROOM })
      .then(endOf([C, B, A], { reason, callSidEndingConference: C }));
  });

  it('ignores a platform end when no instance is live', () => {
    const { join, leave, endConference } = commands();
    given(join(A, ROOM), leave(A)).when({ command: endConference(), room: ROOM }).thenNothingHappens();
  });
});

describe('capacity and room settings', () => {
  it('rejects a join to a full instance and records nothing else', () => {
    const { join } = commands();
    const first = join(A, ROOM, { maxParticipants: 2 });
    const world = given(first, join(B, ROOM))
      .when(join(C, ROOM))
      .then([
        {
          type: 'JoinRejected',
          data: { callSid: C, reason: 'conference-full', conferenceSid: sidOf(first) },
        },
      ]);
    expect(Object.keys(live(world)?.participants ?? {})).toEqual([A, B]);
  });

  it('records a join the platform reports into an instance it believes full: a leave is on its way', () => {
    const { join, leave } = commands();
    const first = join(A, ROOM, { maxParticipants: 2 });
    const world = given(first, join(B, ROOM))
      .when(join(C, ROOM, {}, { via: 'callback', sequenceNumber: 5 }))
      .then([{ type: 'ParticipantJoined', data: { callSid: C, conferenceSid: sidOf(first) } }]);
    expect(Object.keys(live(world)?.participants ?? {}).sort()).toEqual([A, B, C].sort());
    // The leave the platform sent first arrives, and the instance is back within its cap.
    const after = given(first, join(B, ROOM), join(C, ROOM, {}, { via: 'callback', sequenceNumber: 5 }))
      .when({ command: leave(B, 'left', 4), room: ROOM })
      .then([{ type: 'ParticipantLeft', data: { callSid: B } }]);
    expect(Object.keys(live(after)?.participants ?? {}).sort()).toEqual([A, C].sort());
  });

  it('admits a join again once a participant has left a full instance', () => {
    const { join, leave } = commands();
    given(join(A, ROOM, { maxParticipants: 2 }), join(B, ROOM), leave(B))
      .when(join(C, ROOM))
      .then([{ type: 'ParticipantJoined', data: { callSid: C } }]);
  });

  it('keeps the settings of the first participant for the whole instance', () => {
    const { join } = commands();
    given(join(A, ROOM, { maxParticipants: 2, region: 'us1' }))
      .when(join(B, ROOM, { maxParticipants: 5, region: 'ie1' }))
      .then([{ type: 'ParticipantJoined', data: { callSid: B } }, { type: 'ConferenceStarted' }]);
    given(join(A, ROOM, { maxParticipants: 2 }), join(B, ROOM, { maxParticipants: 5 }))
      .when(join(C, ROOM, { maxParticipants: 5 }))
      .then([{ type: 'JoinRejected', data: { reason: 'conference-full' } }]);
  });

  it('lets the first participant of a new instance set its settings anew', () => {
    const { join, leave } = commands();
    const reopening = join(C, ROOM, { maxParticipants: 5, region: 'ie1' });
    const world = given(
      join(A, ROOM, { maxParticipants: 2, region: 'us1' }),
      join(B, ROOM),
      leave(A),
      leave(B),
    )
      .when(reopening)
      .then([
        {
          type: 'ConferenceOpened',
          data: { conferenceSid: sidOf(reopening), maxParticipants: 5, region: 'ie1' },
        },
        { type: 'ParticipantJoined' },
      ]);
    expect(live(world)?.maxParticipants).toBe(5);
  });
});

describe('labels and coaching', () => {
  // Twilio's 16025: the call is not added and goes on to the next verb (there is none: it ends).
  it('turns away a participantLabel already held by a participant of the instance (16025)', () => {
    const { join } = commands();
    given(join(A, ROOM, { label: 'host' }))
      .when(join(B, ROOM, { label: 'host' }))
      .then([{ type: 'JoinRejected', data: { callSid: B, reason: 'duplicate-label', code: 16025 } }]);
  });

  it('frees a label when its holder leaves, and in the next instance', () => {
    const { join, leave } = commands();
    given(join(A, ROOM, { label: 'host' }), join(B, ROOM), leave(A))
      .when(join(C, ROOM, { label: 'host' }))
      .then([{ type: 'ParticipantJoined', data: { callSid: C, label: 'host' } }]);
    given(join(A, ROOM, { label: 'host' }), leave(A))
      .when(join(B, ROOM, { label: 'host' }))
      .then([{ type: 'ConferenceOpened' }, { type: 'ParticipantJoined', data: { label: 'host' } }]);
  });

  // Twilio's 13240 (twilio.com/docs/api/errors/13240): the call to coach must be in the conference.
  it('turns away a coach whose call is not connected to the instance (13240)', () => {
    const { join } = commands();
    const rejected = { type: 'JoinRejected', data: { reason: 'coach-not-connected', code: 13240 } } as const;
    given(join(A, ROOM), join(D, ROOM))
      .when(join(B, ROOM, { callSidToCoach: C }))
      .then([rejected]);
    given()
      .when(join(B, ROOM, { callSidToCoach: B }))
      .then([rejected]);
  });

  it('admits a coach of a present participant as coaching', () => {
    const { join } = commands();
    given(join(A, ROOM))
      .when(join(B, ROOM, { callSidToCoach: A }))
      .then([
        { type: 'ParticipantJoined', data: { callSid: B, coaching: true, callSidToCoach: A } },
        { type: 'ConferenceStarted' },
      ]);
  });
});

describe('calls', () => {
  it('rejects any join of a call that has ended', () => {
    const { join, hangUp } = commands();
    const other = join(B, OTHER_ROOM);
    given(join(A, ROOM), hangUp(A), other)
      .when(join(A, OTHER_ROOM))
      .then([
        { type: 'JoinRejected', data: { callSid: A, reason: 'call-ended', conferenceSid: sidOf(other) } },
      ]);
    given(join(A, ROOM), hangUp(A))
      .when(join(A, ROOM))
      .then([{ type: 'JoinRejected', data: { callSid: A, reason: 'call-ended', conferenceSid: null } }]);
  });

  it('lets a call whose dial ended join again', () => {
    const { join, leave } = commands();
    const first = join(A, ROOM);
    given(first, join(B, ROOM), leave(A))
      .when(join(A, ROOM))
      .then([{ type: 'ParticipantJoined', data: { conferenceSid: sidOf(first), callSid: A } }]);
  });

  it('takes a call out of the room it is live in before it joins another', () => {
    const { join } = commands();
    const first = join(A, ROOM);
    const move = join(A, OTHER_ROOM);
    const world = given(first, join(B, ROOM))
      .when(move)
      .then([
        { type: 'ParticipantLeft', data: { conferenceSid: sidOf(first), callSid: A, reason: 'moved' } },
        { type: 'ConferenceOpened', data: { friendlyName: OTHER_ROOM } },
        { type: 'ParticipantJoined', data: { callSid: A } },
      ]);
    expect(Object.keys(live(world)?.participants ?? {})).toEqual([B]);
    expect(Object.keys(live(world, OTHER_ROOM)?.participants ?? {})).toEqual([A]);
    expect(world.calls.get(A)).toEqual({ room: OTHER_ROOM, ended: false });
  });

  it('routes a hang-up to the room the call joined last', () => {
    const { join, hangUp } = commands();
    const world = given(join(A, ROOM), join(B, ROOM), join(A, OTHER_ROOM))
      .when(hangUp(A))
      .then([
        { type: 'ParticipantLeft', data: { callSid: A, reason: 'hung-up' } },
        { type: 'ConferenceEnded', data: { reason: 'last-participant-left' } },
        { type: 'CallEnded' },
      ]);
    expect(live(world, OTHER_ROOM)).toBeNull();
    expect(Object.keys(live(world)?.participants ?? {})).toEqual([B]);
  });

  it('applies a late callback about the room a call left to that room, not to the one it is in now', () => {
    const { join, leave, update } = commands();
    const world = given(join(A, ROOM), join(B, ROOM), join(A, OTHER_ROOM), join(C, OTHER_ROOM))
      .when({ command: update(A, { muted: true }, 7), room: ROOM })
      .then([]);
    given(join(A, ROOM), join(B, ROOM), join(A, OTHER_ROOM), join(C, OTHER_ROOM))
      .when({ command: leave(A, 'left', 8), room: ROOM })
      .thenNothingHappens();
    expect(live(world, OTHER_ROOM)?.participants[A]?.muted).toBe(false);
  });

  it('remembers a call that ended before its join arrived, so the join finds it ended', () => {
    const { join, hangUp } = commands();
    const world = given(hangUp(A))
      .when(join(A, ROOM))
      .then([{ type: 'JoinRejected', data: { callSid: A, reason: 'call-ended' } }]);
    expect(live(world)).toBeNull();
    expect(world.calls.get(A)).toEqual({ room: null, ended: true });
  });

  it('joins a call the platform reports joining when Conclave has not seen it', () => {
    const { join } = commands();
    given(join(A, ROOM))
      .when(join(B, ROOM, {}, { via: 'callback', sequenceNumber: 2 }))
      .then([
        { type: 'ParticipantJoined', data: { callSid: B, sequenceNumber: 2 } },
        { type: 'ConferenceStarted' },
      ]);
  });

  it('ignores the platform reporting the join of a call Conclave has already seen', () => {
    const { join, leave } = commands();
    given(join(A, ROOM), join(B, ROOM))
      .when(join(A, ROOM, {}, { via: 'callback', sequenceNumber: 1 }))
      .thenNothingHappens();
    given(join(A, ROOM), join(B, ROOM), leave(A))
      .when(join(A, ROOM, {}, { via: 'callback', sequenceNumber: 1 }))
      .thenNothingHappens();
  });

  it('joins a call again when the platform reports it joining after the leave it reported', () => {
    const { join, leave } = commands();
    const platformSaw = [
      join(A, ROOM),
      join(B, ROOM),
      join(A, ROOM, {}, { via: 'callback', sequenceNumber: 1 }),
      join(B, ROOM, {}, { via: 'callback', sequenceNumber: 2 }),
      { command: leave(A, 'left', 4), room: ROOM },
    ];
    const world = given(...platformSaw)
      .when(join(A, ROOM, {}, { via: 'callback', sequenceNumber: 5 }))
      .then([{ type: 'ParticipantJoined', data: { callSid: A, sequenceNumber: 5 } }]);
    expect(Object.keys(live(world)?.participants ?? {}).sort()).toEqual([A, B].sort());
    // Numbered before that leave, it is the late report of the first join.
    given(...platformSaw)
      .when(join(A, ROOM, {}, { via: 'callback', sequenceNumber: 3 }))
      .thenNothingHappens();
  });

  it('remembers a leave that arrives before its join, so that the late join does not bring the call back', () => {
    const { join, leave } = commands();
    const early = { command: leave(C, 'left', 5), room: ROOM };
    given(join(A, ROOM))
      .when(early)
      .then([{ type: 'UnknownCallLeft', data: { callSid: C, sequenceNumber: 5 } }]);
    given(join(A, ROOM), early)
      .when({ command: join(C, ROOM, {}, { via: 'callback', sequenceNumber: 4 }), room: ROOM })
      .thenNothingHappens();
    given(early)
      .when({ command: join(C, ROOM, {}, { via: 'callback', sequenceNumber: 4 }), room: ROOM })
      .thenNothingHappens();
  });

  it('ignores a dial end of a call that never joined', () => {
    const { join, leave } = commands();
    given(join(A, ROOM))
      .when({ command: leave(C, 'dial-ended'), room: ROOM })
      .thenNothingHappens();
  });
});

describe('participant updates', () => {
  it('keeps whom a coach coaches when a report says it is coaching without naming the call', () => {
    const { join, update } = commands();
    const world = given(join(A, ROOM), join(C, ROOM), join(B, ROOM, { callSidToCoach: A }))
      .when(update(B, { muted: true, coaching: true, callSidToCoach: null }, 2))
      .then([{ type: 'ParticipantUpdated', data: { callSid: B, coaching: true, callSidToCoach: A } }]);
    expect(live(world)?.participants[B]).toMatchObject({ coaching: true, callSidToCoach: A });
  });

  it('clears whom a coach coached once a report says it no longer coaches', () => {
    const { join, update } = commands();
    given(join(A, ROOM), join(C, ROOM), join(B, ROOM, { callSidToCoach: A }))
      .when(update(B, { coaching: false, callSidToCoach: A }, 2))
      .then([{ type: 'ParticipantUpdated', data: { callSid: B, coaching: false, callSidToCoach: null } }]);
  });

  it('replaces every flag with the reported snapshot', () => {
    const { join, update } = commands();
    const world = given(join(A, ROOM), join(B, ROOM), update(A, { muted: true }, 3))
      .when(update(A, { hold: true }, 4))
      .then([
        { type: 'ParticipantUpdated', data: { callSid: A, muted: false, hold: true, sequenceNumber: 4 } },
      ]);
    expect(live(world)?.participants[A]).toMatchObject({ muted: false, hold: true });
  });

  it('ignores an update no newer than the one applied for that call', () => {
    const { join, update } = commands();
    const history = [
      join(A, ROOM),
      join(B, ROOM),
      update(A, { hold: true }, 3),
      update(A, { muted: true }, 5),
    ];
    given(...history)
      .when(update(A, { muted: false }, 4))
      .thenNothingHappens();
    given(...history)
      .when(update(A, { hold: true }, 5))
      .thenNothingHappens();
    given(...history)
      .when(update(B, { muted: true }, 1))
      .then([{ type: 'ParticipantUpdated', data: { callSid: B, muted: true } }]);
  });

  it('ignores a participant-leave older than an update already applied', () => {
    const { join, update, leave } = commands();
    const world = given(join(A, ROOM), join(B, ROOM), update(A, { muted: true }, 6))
      .when({ command: leave(A, 'left', 5), room: ROOM })
      .then([]);
    expect(live(world)?.participants[A]).toBeDefined();
  });

  it('ignores a callback older than a participant-leave, even once the call is back', () => {
    const { join, update, leave } = commands();
    given(join(A, ROOM), join(B, ROOM), { command: leave(A, 'left', 6), room: ROOM }, join(A, ROOM))
      .when(update(A, { muted: true }, 5))
      .thenNothingHappens();
  });

  it('counts SequenceNumbers per instance, so a new instance starts afresh', () => {
    const { join, update, leave } = commands();
    given(join(A, ROOM), join(B, ROOM), update(A, { muted: true }, 9), leave(A), leave(B), join(A, ROOM))
      .when(update(A, { muted: true }, 1))
      .then([{ type: 'ParticipantUpdated', data: { callSid: A, muted: true } }]);
  });

  it('keeps flags reported before the join of a call it has not seen, and applies them after that join', () => {
    const { join, update } = commands();
    const early = { command: update(C, { muted: true, hold: true }, 5), room: ROOM };
    given(join(A, ROOM), join(B, ROOM))
      .when(early)
      .then([
        {
          type: 'ParticipantUpdateArrivedEarly',
          data: { callSid: C, muted: true, hold: true, sequenceNumber: 5 },
        },
      ]);
    const late = join(C, ROOM, {}, { via: 'callback', sequenceNumber: 3 });
    const world = given(join(A, ROOM), join(B, ROOM), early)
      .when({ command: late, room: ROOM })
      .then([
        { type: 'ParticipantJoined', data: { callSid: C, muted: false, sequenceNumber: 3, at: late.at } },
        // Recorded with the join, so that the log and the read models never go back in time.
        {
          type: 'ParticipantUpdated',
          data: { callSid: C, muted: true, hold: true, sequenceNumber: 5, at: late.at },
        },
      ]);
    expect(live(world)?.participants[C]).toMatchObject({ muted: true, hold: true });
    expect(live(world)?.sequences[C]).toBe(5);
    expect(live(world)?.early).toBeUndefined();
  });

  it('keeps nothing for a join that will not come: the call ended, or left before it joined', () => {
    const { join, leave, update, hangUp } = commands();
    given(join(A, ROOM), join(B, ROOM), hangUp(C))
      .when({ command: update(C, { muted: true }, 5), room: ROOM })
      .thenNothingHappens();
    const world = given(join(A, ROOM), join(B, ROOM), { command: update(C, { muted: true }, 2), room: ROOM })
      .when({ command: leave(C, 'left', 3), room: ROOM })
      .then([{ type: 'UnknownCallLeft', data: { callSid: C, sequenceNumber: 3 } }]);
    expect(live(world)?.early).toBeUndefined();
  });

  it('drops early flags older than the join, and an early report older than one already kept', () => {
    const { join, update } = commands();
    const history = [join(A, ROOM), join(B, ROOM), { command: update(C, { muted: true }, 5), room: ROOM }];
    given(...history)
      .when({ command: update(C, { hold: true }, 4), room: ROOM })
      .thenNothingHappens();
    const world = given(...history)
      .when({ command: join(C, ROOM, {}, { via: 'callback', sequenceNumber: 6 }), room: ROOM })
      .then([{ type: 'ParticipantJoined', data: { callSid: C, muted: false, sequenceNumber: 6 } }]);
    expect(live(world)?.participants[C]).toMatchObject({ muted: false });
  });

  it('ignores an update for a call that is not a participant', () => {
    const { join, leave, update } = commands();
    given(join(A, ROOM), join(B, ROOM), leave(B))
      .when(update(B, { muted: true }, 7))
      .thenNothingHappens();
  });
});

describe('lost leaves', () => {
  it('takes out a participant connected for the longest a call lasts; the others stay', () => {
    const { join } = commands();
    const first = join(A, ROOM);
    const world = given(first, join(B, ROOM))
      .when(timeOut(A, sidOf(first), FOUR_HOURS, later(first, FOUR_HOURS)))
      .then([{ type: 'ParticipantLeft', data: { callSid: A, reason: 'timed-out' } }]);
    expect(Object.keys(live(world)?.participants ?? {})).toEqual([B]);
    expect(live(world)?.status).toBe('in-progress');
  });

  it('completes the conference by the usual rule when the last participant times out', () => {
    const { join } = commands();
    const first = join(A, ROOM);
    given(first)
      .when(timeOut(A, sidOf(first), FOUR_HOURS, later(first, FOUR_HOURS + 60)))
      .then([
        { type: 'ParticipantLeft', data: { callSid: A, reason: 'timed-out' } },
        { type: 'ConferenceEnded', data: { reason: 'last-participant-left', callSidEndingConference: A } },
      ]);
  });

  it('ends the conference for everyone when a participant with endConferenceOnExit times out', () => {
    const { join } = commands();
    const first = join(A, ROOM, { endConferenceOnExit: true });
    given(first, join(B, ROOM), join(C, ROOM))
      .when(timeOut(A, sidOf(first), FOUR_HOURS, later(first, FOUR_HOURS)))
      .then([
        { type: 'ParticipantLeft', data: { callSid: A, reason: 'timed-out' } },
        ...endOf([B, C], {
          reason: 'participant-with-end-conference-on-exit-left',
          callSidEndingConference: A,
        }),
      ]);
  });

  it('leaves a participant connected for less than the longest call alone', () => {
    const { join } = commands();
    const first = join(A, ROOM);
    given(first, join(B, ROOM))
      .when(timeOut(A, sidOf(first), FOUR_HOURS, later(first, FOUR_HOURS - 1)))
      .thenNothingHappens();
  });

  it('counts from the latest join of a call that left and came back', () => {
    const { join, leave } = commands();
    const first = join(A, ROOM);
    given(first, join(B, ROOM), leave(A), join(A, ROOM))
      .when(timeOut(A, sidOf(first), FOUR_HOURS, later(first, FOUR_HOURS)))
      .thenNothingHappens();
  });

  it('leaves alone a call seen in an earlier instance of the room', () => {
    const { join, leave } = commands();
    const first = join(A, ROOM);
    given(first, leave(A), join(A, ROOM))
      .when(timeOut(A, sidOf(first), 0, later(first, FOUR_HOURS)))
      .thenNothingHappens();
  });

  it('records nothing when the time-out is delivered again', () => {
    const { join } = commands();
    const first = join(A, ROOM);
    const reaped = timeOut(A, sidOf(first), FOUR_HOURS, later(first, FOUR_HOURS));
    given(first, join(B, ROOM), reaped).when(reaped).thenNothingHappens();
  });
});

describe('duplicates', () => {
  const { join, leave, hangUp, update, endConference } = commands();
  const first = join(A, ROOM, { label: 'host' });
  const history = [first, join(B, ROOM), join(C, OTHER_ROOM, { maxParticipants: 2 }), join(D, OTHER_ROOM)];
  const roomy = 'all-hands';
  const unseen = callSid(9);
  const reported = join(unseen, ROOM, {}, { via: 'callback', sequenceNumber: 3 });
  const recordsNothing: [string, Delivery][] = [
    ['a voice join', { command: join(A, ROOM, { label: 'host' }) }],
    ['a move to another room', { command: join(A, roomy) }],
    ['a reported join', { command: reported, room: ROOM }],
    ['a dial end', { command: leave(B) }],
    ['a participant-leave', { command: leave(B, 'left', 4), room: ROOM }],
    ['a participant-leave of an unseen call', { command: leave(unseen, 'left', 4), room: ROOM }],
    ['a hang-up', { command: hangUp(A) }],
    ['an update with a SequenceNumber', { command: update(A, { muted: true }, 2) }],
    ['a platform end', { command: endConference({ conferenceSid: sidOf(first) }), room: ROOM }],
  ];
  // Without a SequenceNumber an update cannot be told from a new report of the same flags, and every
  // refused attempt is worth its audit line; neither changes a room or a call.
  const recordsAgain: [string, Delivery, ExpectedEvent][] = [
    ['a join to a full room', { command: join(B, OTHER_ROOM) }, { type: 'JoinRejected' }],
    ['an update without one', { command: update(A, { muted: true }) }, { type: 'ParticipantUpdated' }],
  ];

  it.each([
    ...recordsNothing.map(([name, delivery]): [string, Delivery, ExpectedEvent[]] => [name, delivery, []]),
    ...recordsAgain.map(([name, delivery, event]): [string, Delivery, ExpectedEvent[]] => [
      name,
      delivery,
      [event],
    ]),
  ])('changes no room and no call when %s is delivered again', (_, delivery, again) => {
    const once = given(...history, delivery);
    const twice = once.when(delivery).then(again);
    expect(twice.rooms).toEqual(once.world.rooms);
    expect(twice.calls).toEqual(once.world.calls);
  });
});

describe("the platform's facts", () => {
  const P1 = `CF${'1'.repeat(32)}`;
  const P2 = `CF${'2'.repeat(32)}`;

  /** A callback of the platform naming `conferenceSid`, for the room. */
  function reported<C extends RoomCommand>(
    command: C,
    conferenceSid: string | null,
    at: string | null = null,
  ) {
    return {
      command: { ...command, data: { ...command.data, reported: { conferenceSid, at } } },
      room: ROOM,
    };
  }

  function reportedJoin(
    build: ReturnType<typeof commands>,
    call: string,
    sid: string,
    extra = {},
    room = ROOM,
  ) {
    const command = build.join(call, room, {}, { via: 'callback', sequenceNumber: 1, ...extra });
    return { ...reported(command, sid), room };
  }

  it("takes the first Sid the platform reports as the live instance's, once", () => {
    const build = commands();
    const first = build.join(A, ROOM);
    const world = given(first)
      .when(reportedJoin(build, A, P1))
      .then([{ type: 'ConferenceSidReported', data: { conferenceSid: sidOf(first), platformSid: P1 } }]);
    expect(live(world)).toMatchObject({ sid: sidOf(first), platformSid: P1 });
    given(first, reportedJoin(build, A, P1))
      .when(reportedJoin(build, A, P1))
      .thenNothingHappens();
  });

  it("never lets a callback naming an earlier instance's Sid change the live one", () => {
    const build = commands();
    const history = [build.join(A, ROOM), reportedJoin(build, A, P1), build.leave(A), build.join(B, ROOM)];
    given(...history)
      .when(reported(build.leave(B, 'left', 5), P1))
      .thenNothingHappens();
    given(...history)
      .when(reported(build.update(B, { muted: true }, 5), P1))
      .thenNothingHappens();
    given(...history)
      .when({
        command: build.endConference({ conferenceSid: P1, reason: 'last-participant-left' }),
        room: ROOM,
      })
      .thenNothingHappens();
  });

  it('opens the conference the platform reports a call joining after the one it was in ended', () => {
    const build = commands();
    const first = build.join(A, ROOM);
    const ended = { command: build.endConference({ conferenceSid: P1 }), room: ROOM };
    const again = reportedJoin(build, A, P2);
    const world = given(first, reportedJoin(build, A, P1), build.join(B, ROOM), ended)
      .when(again)
      .then([
        { type: 'ConferenceOpened', data: { conferenceSid: sidOf(again.command) } },
        { type: 'ConferenceSidReported', data: { conferenceSid: sidOf(again.command), platformSid: P2 } },
        { type: 'ParticipantJoined', data: { callSid: A } },
      ]);
    expect(live(world)).toMatchObject({ platformSid: P2, participants: { [A]: { callSid: A } } });
  });

  it('completes the live instance and opens one with the new Sid when the platform names a Sid new to the room', () => {
    const build = commands();
    const first = build.join(A, ROOM);
    const moved = reportedJoin(build, C, P2);
    const world = given(first, reportedJoin(build, A, P1))
      .when(moved)
      .then([
        ...endOf([A], { conferenceSid: sidOf(first), reason: null }),
        { type: 'ConferenceOpened', data: { conferenceSid: sidOf(moved.command) } },
        { type: 'ConferenceSidReported', data: { conferenceSid: sidOf(moved.command), platformSid: P2 } },
        { type: 'ParticipantJoined', data: { callSid: C } },
      ]);
    expect(live(world)).toMatchObject({ platformSid: P2 });
  });

  it('decides by Timestamp, at whole seconds, only while the live instance has no platform Sid', () => {
    const build = commands();
    const earlier = build.join(A, ROOM);
    const history = [earlier, build.leave(A), build.join(B, ROOM)];
    const newer = history[2] as RoomCommand;
    const before = platformTimestamp(Date.parse(newer.at) - 1000);
    given(...history)
      .when(reported(build.leave(B, 'left', 3), P1, before))
      .then([{ type: 'ConferenceSidReported', data: { conferenceSid: sidOf(earlier), platformSid: P1 } }]);
    given(...history)
      .when(reported(build.leave(B, 'left', 3), P1, platformTimestamp(Date.parse(newer.at))))
      .then([
        { type: 'ConferenceSidReported', data: { conferenceSid: sidOf(newer), platformSid: P1 } },
        { type: 'ParticipantLeft', data: { callSid: B, reason: 'left' } },
        { type: 'ConferenceEnded' },
      ]);
  });

  it('opens nothing for a Sid new to an empty room when its Timestamp is from before the last instance opened', () => {
    const build = commands();
    const last = build.join(A, ROOM);
    const history = [last, reportedJoin(build, A, P1), build.join(B, ROOM), build.leave(A), build.leave(B)];
    const lateJoin = (at: number) =>
      reported(build.join(C, ROOM, {}, { via: 'callback', sequenceNumber: 1 }), P2, platformTimestamp(at));
    given(...history)
      .when(lateJoin(Date.parse(last.at) - 1000))
      .thenNothingHappens();
    // From the second the last one opened on, a new Sid means the platform opened another.
    given(...history)
      .when(lateJoin(Date.parse(last.at)))
      .then([
        { type: 'ConferenceOpened' },
        { type: 'ConferenceSidReported', data: { platformSid: P2 } },
        { type: 'ParticipantJoined', data: { callSid: C } },
      ]);
  });

  describe('a conference-end after Conclave completed the instance', () => {
    const build = commands();
    const first = build.join(A, ROOM);
    const history = [first, reportedJoin(build, A, P1), build.join(B, ROOM), build.leave(A), build.leave(B)];

    it("replaces the derived reason and CallSidEndingConference with the platform's (a correction)", () => {
      const world = given(...history)
        .when({
          command: build.endConference({
            conferenceSid: P1,
            reason: 'participant-with-end-conference-on-exit-left',
            callSidEndingConference: A,
          }),
          room: ROOM,
        })
        .then([
          {
            type: 'ConferenceEndCorrected',
            data: {
              conferenceSid: sidOf(first),
              reason: 'participant-with-end-conference-on-exit-left',
              callSidEndingConference: A,
            },
          },
        ]);
      expect(world.rooms.get(ROOM)?.earlier?.[0]).toMatchObject({ callSidEndingConference: A });
    });

    it('records nothing when the platform agrees with what Conclave derived', () => {
      given(...history)
        .when({
          command: build.endConference({
            conferenceSid: P1,
            reason: 'last-participant-left',
            callSidEndingConference: B,
          }),
          room: ROOM,
        })
        .thenNothingHappens();
    });

    it('keeps a reason outside the known list exactly as sent', () => {
      given(...history)
        .when({
          command: build.endConference({ conferenceSid: P1, reason: 'ended-by-a-new-rule' }),
          room: ROOM,
        })
        .then([{ type: 'ConferenceEndCorrected', data: { reason: 'ended-by-a-new-rule' } }]);
      given(build.join(C, ROOM))
        .when({ command: build.endConference({ reason: 'ended-by-a-new-rule' }), room: ROOM })
        .then(endOf([C], { reason: 'ended-by-a-new-rule' }));
    });
  });

  it('moves an init instance to in-progress on conference-start, and only an init one', () => {
    const build = commands();
    const start = (sid: string | null) =>
      ({
        command: {
          type: 'StartConference',
          ...build.clock.next(),
          data: { reported: { conferenceSid: sid, at: null } },
        },
        room: ROOM,
      }) as const;
    const first = build.join(A, ROOM);
    const world = given(first)
      .when(start(P1))
      .then([
        { type: 'ConferenceSidReported', data: { platformSid: P1 } },
        { type: 'ConferenceStarted', data: { conferenceSid: sidOf(first) } },
      ]);
    expect(live(world)?.status).toBe('in-progress');
    given(first, build.join(B, ROOM)).when(start(null)).thenNothingHappens();
  });

  it('takes a call the platform reports in another room out of its room, with its hold and coaching', () => {
    const build = commands();
    const history = [
      build.join(A, ROOM),
      build.join(C, ROOM),
      build.join(B, OTHER_ROOM),
      build.join(D, OTHER_ROOM),
    ];
    const other = history[2] as RoomCommand;
    const attributes = { ...defaultAttributes, callSidToCoach: D };
    const move = reportedJoin(build, A, P2, { hold: true, attributes }, OTHER_ROOM);
    const world = given(...history)
      .when(move)
      .then([
        { type: 'ConferenceSidReported', data: { conferenceSid: sidOf(other), platformSid: P2 } },
        { type: 'ParticipantJoined', data: { callSid: A, hold: true, coaching: true, callSidToCoach: D } },
        { type: 'ParticipantLeft', data: { callSid: A, reason: 'moved' } },
      ]);
    expect(Object.keys(live(world)?.participants ?? {})).toEqual([C]);
    expect(world.calls.get(A)?.room).toBe(OTHER_ROOM);
  });

  it('turns a join away with Twilio’s code for an attribute value that fails it, and keeps warnings on the join', () => {
    const build = commands();
    const failure = { code: 16023, message: "participantLabel 'a/b' is not valid" };
    given()
      .when(build.join(A, ROOM, {}, { failure }))
      .then([{ type: 'JoinRejected', data: { callSid: A, reason: 'invalid-attribute', code: 16023 } }]);
    const warnings = [{ attribute: 'startConferenceOnEnter', value: 'yes', code: 13232 }];
    given()
      .when(build.join(A, ROOM, {}, { warnings }))
      .then([{ type: 'ConferenceOpened' }, { type: 'ParticipantJoined', data: { callSid: A, warnings } }]);
  });

  it('records a recording against the instance its Sid names, live or earlier', () => {
    const build = commands();
    const first = build.join(A, ROOM);
    const recording = (sid: string | null) => ({
      command: {
        type: 'ReportRecording',
        ...build.clock.next(),
        data: {
          reported: { conferenceSid: sid, at: null },
          recording: {
            recordingSid: `RE${'a'.repeat(32)}`,
            callSid: null,
            status: 'completed',
            duration: 12,
            channels: 1,
            source: 'Conference',
            startTime: null,
            errorCode: null,
            url: null,
            sequenceNumber: null,
          },
        },
      } as RoomCommand,
      room: ROOM,
    });
    const history = [first, reportedJoin(build, A, P1), build.leave(A), build.join(B, ROOM)];
    history.push(reportedJoin(build, B, P2));
    given(...history)
      .when(recording(P1))
      .then([
        {
          type: 'RecordingReported',
          data: { conferenceSid: sidOf(first), status: 'completed', duration: 12 },
        },
      ]);
    given(...history)
      .when(recording(`CF${'9'.repeat(32)}`))
      .thenNothingHappens();
  });
});
