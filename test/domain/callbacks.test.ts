// The fold from events to the callbacks Twilio would send: which events make which callbacks, how a
// participant's flags before and after tell a mute from an unmute, and who fixes the subscription.

import { describe, expect, it } from 'vitest';
import {
  type AppCallbacks,
  type CallbackConference,
  callbacksFor,
  NEW_CALLBACK_CONFERENCE,
  redactUrl,
  redactUrlLike,
  targetOf,
} from '../../src/domain/callbacks.js';
import type {
  LeaveReason,
  PlatformLeave,
  ReasonConferenceEnded,
  RoomEvent,
} from '../../src/domain/events.js';
import { rfc2822 } from '../../src/rfc2822.js';
import { callSid } from '../helpers/commands.js';

const CF = `CF${'a'.repeat(32)}`;
const AT = '2026-01-02T03:04:05.000Z';
const context = {
  accountSid: `AC${'b'.repeat(32)}`,
  friendlyName: 'room',
  timestamp: (at: string) => rfc2822(new Date(at)),
};
const flags = {
  muted: false,
  hold: false,
  coaching: false,
  callSidToCoach: null,
  endConferenceOnExit: false,
};

function joined(call: string, callbacks?: AppCallbacks, label: string | null = null): RoomEvent {
  return {
    type: 'ParticipantJoined',
    data: {
      ...flags,
      conferenceSid: CF,
      callSid: call,
      from: null,
      to: null,
      label,
      beep: 'true',
      startConferenceOnEnter: true,
      sequenceNumber: null,
      at: AT,
      ...(callbacks && { callbacks }),
    },
  };
}

function updated(call: string, change: Partial<typeof flags>): RoomEvent {
  return {
    type: 'ParticipantUpdated',
    data: { ...flags, ...change, conferenceSid: CF, callSid: call, sequenceNumber: null, at: AT },
  };
}

function left(call: string, reason: LeaveReason = 'hung-up'): RoomEvent {
  return {
    type: 'ParticipantLeft',
    data: { conferenceSid: CF, callSid: call, reason, sequenceNumber: null, at: AT },
  };
}

function ended(reason: ReasonConferenceEnded, ender: string): RoomEvent {
  return {
    type: 'ConferenceEnded',
    data: { conferenceSid: CF, reason, callSidEndingConference: ender, at: AT },
  };
}

function fold(events: RoomEvent[]) {
  let state: CallbackConference = NEW_CALLBACK_CONFERENCE;
  const names: string[] = [];
  for (const event of events) {
    const step = callbacksFor(state, event, context);
    state = step.state;
    names.push(...step.callbacks.map((c) => `${c.sequenceNumber} ${c.name}`));
  }
  return { state, names };
}

const asked = (url: string): AppCallbacks => ({
  statusCallback: { url, method: 'POST', events: ['join', 'mute'] },
  recordingStatusCallback: null,
});

describe('callbacks from events', () => {
  it('tells mute from unmute and hold from unhold by the flags before, and numbers every callback', () => {
    const { names } = fold([
      joined(callSid(1)),
      updated(callSid(1), { muted: true }),
      updated(callSid(1), { muted: true, hold: true }),
      updated(callSid(1), { muted: false, hold: false }),
      updated(callSid(1), { endConferenceOnExit: true }),
      updated(callSid(1), { endConferenceOnExit: true }),
    ]);
    expect(names).toEqual([
      '1 participant-join',
      '2 participant-mute',
      '3 participant-hold',
      '4 participant-unmute',
      '5 participant-unhold',
      '6 participant-modify',
    ]);
  });

  it('lets the first participant fix the subscription; later ones change nothing', () => {
    const { state } = fold([
      joined(callSid(1), asked('https://a.example/cb')),
      joined(callSid(2), asked('https://b.example/cb')),
    ]);
    expect(state.subscription?.statusCallback?.url).toBe('https://a.example/cb');
    const none = fold([joined(callSid(1)), joined(callSid(2), asked('https://b.example/cb'))]);
    expect(none.state.subscription).toBeNull();
  });

  it('asks only for the subscribed kinds', () => {
    const step = callbacksFor(
      NEW_CALLBACK_CONFERENCE,
      joined(callSid(1), asked('https://a.example/cb')),
      context,
    );
    const [join] = step.callbacks;
    expect(join && targetOf(step.state.subscription, join)?.url).toBe('https://a.example/cb');
    const started = callbacksFor(
      step.state,
      { type: 'ConferenceStarted', data: { conferenceSid: CF, at: AT } },
      context,
    );
    const [start] = started.callbacks;
    expect(start?.params).toEqual({
      AccountSid: context.accountSid,
      ConferenceSid: CF,
      FriendlyName: 'room',
      StatusCallbackEvent: 'conference-start',
      Timestamp: 'Fri, 02 Jan 2026 03:04:05 +0000',
      SequenceNumber: '2',
    });
    expect(start && targetOf(started.state.subscription, start)).toBeNull();
  });

  it("sends a recording's statuses to recordingStatusCallback, as asked, with Twilio's parameters", () => {
    const recording = (status: 'in-progress' | 'completed' | 'paused'): RoomEvent => ({
      type: 'RecordingReported',
      data: {
        conferenceSid: CF,
        recordingSid: `RE${'c'.repeat(32)}`,
        callSid: null,
        status,
        duration: status === 'completed' ? 42 : null,
        channels: 1,
        source: 'StartConferenceRecordingAPI',
        startTime: AT,
        errorCode: null,
        url: 'https://api.example/Recordings/RE1',
        sequenceNumber: null,
        at: AT,
      },
    });
    const wanted: AppCallbacks = {
      statusCallback: null,
      recordingStatusCallback: { url: 'https://a.example/rec', method: 'GET', events: ['completed'] },
    };
    let state = callbacksFor(NEW_CALLBACK_CONFERENCE, joined(callSid(1), wanted), context).state;
    const sent = [];
    for (const status of ['in-progress', 'paused', 'completed'] as const) {
      const step = callbacksFor(state, recording(status), context);
      state = step.state;
      sent.push(...step.callbacks.filter((c) => targetOf(state.subscription, c) !== null));
    }
    expect(sent.map((c) => c.name)).toEqual(['recording-completed']);
    expect(sent[0]?.params).toEqual({
      AccountSid: context.accountSid,
      ConferenceSid: CF,
      RecordingSid: `RE${'c'.repeat(32)}`,
      RecordingStatus: 'completed',
      RecordingUrl: 'https://api.example/Recordings/RE1',
      RecordingDuration: '42',
      RecordingChannels: '1',
      RecordingSource: 'StartConferenceRecordingAPI',
      RecordingStartTime: 'Fri, 02 Jan 2026 03:04:05 +0000',
    });
  });

  it('sends nothing for a leave or update of a call it never saw join', () => {
    expect(fold([left(callSid(9), 'left'), updated(callSid(9), { muted: true })]).names).toEqual([]);
  });

  it('names the ender of a conference after it left, and forgets the others gone', () => {
    // A long conference: many come and go while the moderator stays, then the moderator's leave ends it.
    const visitors = Array.from({ length: 500 }, (_, i) => callSid(100 + i));
    const { state } = fold([
      joined(callSid(1), undefined, 'moderator'),
      updated(callSid(1), { endConferenceOnExit: true }),
      ...visitors.flatMap((call) => [joined(call), left(call)]),
      joined(callSid(2)),
      left(callSid(1)),
    ]);
    expect(Object.keys(state.participants).sort()).toEqual([callSid(1), callSid(2)].sort());
    const end = callbacksFor(
      state,
      ended('participant-with-end-conference-on-exit-left', callSid(1)),
      context,
    );
    expect(end.callbacks[0]?.params).toMatchObject({
      CallSidEndingConference: callSid(1),
      ParticipantLabelEndingConference: 'moderator',
    });
  });

  it('names the last to leave when the conference ends because no one is left', () => {
    // The guest leaves, comes back and is the last to go: the end names it with its label.
    const guest = joined(callSid(2), undefined, 'guest');
    const { state } = fold([
      joined(callSid(1)),
      guest,
      left(callSid(2)),
      guest,
      left(callSid(1)),
      left(callSid(2)),
    ]);
    expect(Object.keys(state.participants)).toEqual([callSid(2)]);
    const end = callbacksFor(state, ended('last-participant-left', callSid(2)), context);
    expect(end.callbacks[0]?.params).toMatchObject({
      CallSidEndingConference: callSid(2),
      ParticipantLabelEndingConference: 'guest',
    });
  });

  it("passes on the platform's ParticipantCallStatus and ReasonParticipantLeft where its leave gave them", () => {
    const leaving = (platform?: PlatformLeave): RoomEvent => {
      const event = left(callSid(1), 'left');
      return platform ? ({ ...event, data: { ...event.data, platform } } as RoomEvent) : event;
    };
    const paramsOf = (event: RoomEvent) => {
      const { state } = fold([joined(callSid(1)), joined(callSid(2))]);
      return callbacksFor(state, event, context).callbacks[0]?.params ?? {};
    };
    const told = paramsOf(
      leaving({ reasonParticipantLeft: 'participant_hung_up', participantCallStatus: 'completed' }),
    );
    expect(told).toMatchObject({
      CallSid: callSid(1),
      ParticipantCallStatus: 'completed',
      ReasonParticipantLeft: 'participant_hung_up',
    });
    // A hang-up the platform gave without the call's status: the call is over.
    const reasonOnly = paramsOf(
      leaving({ reasonParticipantLeft: 'participant_hung_up', participantCallStatus: null }),
    );
    expect(reasonOnly).toMatchObject({ ParticipantCallStatus: 'completed' });
    // Without them, what Conclave knows: a call that left but goes on, for a reason Twilio has no name for.
    const untold = paramsOf(leaving());
    expect(untold).toMatchObject({ ParticipantCallStatus: 'in-progress' });
    expect(untold).not.toHaveProperty('ReasonParticipantLeft');
  });

  // Twilio's values: https://www.twilio.com/docs/voice/twiml/conference (ReasonParticipantLeft), on every
  // participant-leave since https://twilio.com/en-us/changelog/participantcallstatus-and-reasonparticipantleft-attributes-added
  it("says why a participant left in Twilio's words: a conference ended through the API, a call moved", () => {
    const paramsOf = (event: RoomEvent) => {
      const { state } = fold([joined(callSid(1)), joined(callSid(2))]);
      return callbacksFor(state, event, context).callbacks[0]?.params ?? {};
    };
    const droppedBy = (endReason: ReasonConferenceEnded | null): RoomEvent => {
      const event = left(callSid(1), 'conference-ended');
      return { ...event, data: { ...event.data, endReason } } as RoomEvent;
    };
    expect(paramsOf(droppedBy('conference-ended-via-api'))).toMatchObject({
      ReasonParticipantLeft: 'conference_ended_via_api',
      ParticipantCallStatus: 'in-progress',
    });
    for (const endReason of ['participant-with-end-conference-on-exit-left', null])
      expect(paramsOf(droppedBy(endReason))).toMatchObject({
        ReasonParticipantLeft: 'moderator_ended_conference',
      });
    expect(paramsOf(left(callSid(1), 'moved'))).toMatchObject({
      ReasonParticipantLeft: 'participant_updated_via_api',
      ParticipantCallStatus: 'in-progress',
    });
  });

  it('masks the password of an app URL for showing, and leaves other URLs as they are', () => {
    expect(redactUrl('https://app:hunter2@example.com/cb?x=1')).toBe('https://app:***@example.com/cb?x=1');
    expect(redactUrl('https://example.com/cb?x=1')).toBe('https://example.com/cb?x=1');
    expect(redactUrl('https://tok3n@example.com/cb')).toBe('https://***@example.com/cb');
  });

  it('masks what could be credentials in a value meant as a URL that does not read as one', () => {
    expect(redactUrlLike('app:hunter2@example.com/cb')).toBe('app:***@example.com/cb');
    expect(redactUrlLike('//app:hunter2@example.com/cb')).toBe('//***@example.com/cb');
    expect(redactUrlLike('x:app:hunter2@example.com/cb')).toBe('x:***@example.com/cb');
    expect(redactUrlLike('https://app:hunter2@example.com/cb')).toBe('https://app:***@example.com/cb');
    expect(redactUrlLike('ftp://example.com/a@b')).toBe('ftp://example.com/a@b');
    expect(redactUrlLike('yes')).toBe('yes');
  });
});
