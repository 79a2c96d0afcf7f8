// A room is one FriendlyName of one account. Its state is the live conference instance, if any: enough to
// decide every command without replaying history. Completed instances live on only in the event log and
// the read models.

import type { CallState } from './call.js';
import type {
  EndCall,
  EndConference,
  JoinConference,
  LeaveConference,
  RoomCommand,
  TimeOutParticipant,
  UpdateParticipant,
} from './commands.js';
import type { LeaveReason, ParticipantFlags, ReasonConferenceEnded, RoomEvent } from './events.js';
import { conferenceSidFromUlid } from './ids.js';

export interface Participant extends ParticipantFlags {
  callSid: string;
  label: string | null;
  startConferenceOnEnter: boolean;
  /** When it joined, so that one connected for longer than any call lasts can be told. */
  joinedAt: string;
}

export interface LiveConference {
  sid: string;
  status: 'init' | 'in-progress';
  createdAt: string;
  maxParticipants: number;
  participants: { [callSid: string]: Participant };
  /** The newest provider SequenceNumber applied per call, departed calls included. */
  sequences: { [callSid: string]: number };
}

export interface RoomState {
  live: LiveConference | null;
}

export const initialRoomState: RoomState = { live: null };

export interface Rejection {
  code: 'duplicate-label' | 'coach-not-in-conference';
  message: string;
}

export type Decision = { events: RoomEvent[] } | { rejection: Rejection };

const none: Decision = { events: [] };

export function decide(command: RoomCommand, room: RoomState, call: CallState): Decision {
  switch (command.type) {
    case 'JoinConference':
      return decideJoin(command, room, call);
    case 'LeaveConference':
      return decideLeave(command, room, call);
    case 'EndCall':
      return decideEndCall(command, room, call);
    case 'UpdateParticipant':
      return decideUpdate(command, room);
    case 'EndConference':
      return decideEndConference(command, room);
    case 'TimeOutParticipant':
      return decideTimeOut(command, room);
  }
}

/** True when `sequenceNumber` is not newer than what was already applied for the call. */
function isStale(live: LiveConference | null, callSid: string, sequenceNumber: number | null): boolean {
  if (live === null || sequenceNumber === null) return false;
  const applied = live.sequences[callSid];
  return applied !== undefined && sequenceNumber <= applied;
}

function decideJoin(command: JoinConference, room: RoomState, call: CallState): Decision {
  const { callSid, attributes, via, sequenceNumber } = command.data;
  const at = command.at;
  const live = room.live;
  if (call.ended) {
    return {
      events: [
        {
          type: 'JoinRejected',
          data: { callSid, reason: 'call-ended', conferenceSid: live?.sid ?? null, at },
        },
      ],
    };
  }
  // The platform reports joins of calls our TwiML placed too; only a call we have never seen is new.
  if (via === 'callback' && call.room !== null) return none;
  if (isStale(live, callSid, sequenceNumber)) return none;
  if (live?.participants[callSid]) return none;

  const events: RoomEvent[] = [];
  let conference: LiveConference;
  if (live === null) {
    const opened: RoomEvent = {
      type: 'ConferenceOpened',
      data: {
        conferenceSid: conferenceSidFromUlid(command.id),
        friendlyName: command.data.friendlyName,
        region: attributes.region,
        maxParticipants: attributes.maxParticipants,
        record: attributes.record,
        trim: attributes.trim,
        at,
      },
    };
    events.push(opened);
    conference = openConference(opened.data);
  } else {
    conference = live;
    const present = Object.values(live.participants);
    if (present.length >= live.maxParticipants) {
      return {
        events: [
          { type: 'JoinRejected', data: { callSid, reason: 'conference-full', conferenceSid: live.sid, at } },
        ],
      };
    }
    if (attributes.label !== null && present.some((p) => p.label === attributes.label)) {
      return {
        rejection: {
          code: 'duplicate-label',
          message: `participantLabel '${attributes.label}' is already in use in conference ${live.sid}`,
        },
      };
    }
  }
  if (attributes.callSidToCoach !== null && !conference.participants[attributes.callSidToCoach]) {
    return {
      rejection: {
        code: 'coach-not-in-conference',
        message: `coach ${attributes.callSidToCoach} is not a participant of this conference`,
      },
    };
  }
  events.push({
    type: 'ParticipantJoined',
    data: {
      conferenceSid: conference.sid,
      callSid,
      from: command.data.from,
      to: command.data.to,
      label: attributes.label,
      beep: attributes.beep,
      muted: attributes.muted,
      hold: false,
      coaching: attributes.callSidToCoach !== null,
      callSidToCoach: attributes.callSidToCoach,
      startConferenceOnEnter: attributes.startConferenceOnEnter,
      endConferenceOnExit: attributes.endConferenceOnExit,
      sequenceNumber,
      at,
      ...(attributes.callbacks && { callbacks: attributes.callbacks }),
    },
  });
  const after = events.reduce(evolve, room).live;
  if (after && after.status === 'init' && meetsStartRule(after)) {
    events.push({ type: 'ConferenceStarted', data: { conferenceSid: after.sid, at } });
  }
  return { events };
}

/** A conference starts once two participants are present and one of them may start it. */
function meetsStartRule(conference: LiveConference): boolean {
  const present = Object.values(conference.participants);
  return present.length >= 2 && present.some((p) => p.startConferenceOnEnter);
}

function decideLeave(command: LeaveConference, room: RoomState, call: CallState): Decision {
  const { callSid, reason, sequenceNumber } = command.data;
  if (isStale(room.live, callSid, sequenceNumber)) return none;
  if (room.live?.participants[callSid]) {
    return { events: leave(room.live, callSid, reason, sequenceNumber, command.at) };
  }
  if (reason === 'left' && call.room === null) {
    return { events: [{ type: 'UnknownCallLeft', data: { callSid, sequenceNumber, at: command.at } }] };
  }
  return none;
}

function decideEndCall(command: EndCall, room: RoomState, call: CallState): Decision {
  if (call.ended) return none;
  const { callSid, callStatus } = command.data;
  const left = room.live?.participants[callSid] ? leave(room.live, callSid, 'hung-up', null, command.at) : [];
  return { events: [...left, { type: 'CallEnded', data: { callSid, callStatus, at: command.at } }] };
}

function decideUpdate(command: UpdateParticipant, room: RoomState): Decision {
  const { callSid, flags, sequenceNumber } = command.data;
  const live = room.live;
  const current = live?.participants[callSid];
  if (!live || !current || isStale(live, callSid, sequenceNumber)) return none;
  // A report that the participant is coaching but names no one to coach does not end the coaching: it
  // goes on with the call it coached. Only a report that it stopped coaching clears that call.
  const callSidToCoach = flags.coaching ? (flags.callSidToCoach ?? current.callSidToCoach) : null;
  return {
    events: [
      {
        type: 'ParticipantUpdated',
        data: { conferenceSid: live.sid, callSid, ...flags, callSidToCoach, sequenceNumber, at: command.at },
      },
    ],
  };
}

function decideEndConference(command: EndConference, room: RoomState): Decision {
  const live = room.live;
  if (live === null) return none;
  const { conferenceSid, reportedAt } = command.data;
  // An end reported for an earlier instance of this room must not end the one running now.
  const aboutAnEarlierInstance =
    conferenceSid !== live.sid && reportedAt !== null && Date.parse(reportedAt) < Date.parse(live.createdAt);
  if (aboutAnEarlierInstance) return none;
  return {
    events: endConference(
      live,
      command.data.reason,
      command.data.callSidEndingConference,
      Object.keys(live.participants),
      command.at,
    ),
  };
}

function decideTimeOut(command: TimeOutParticipant, room: RoomState): Decision {
  const { callSid, conferenceSid, maxCallDuration } = command.data;
  const live = room.live;
  // Only the instance and the stay that were seen to outlast every call: a call that has left and come back
  // since is connected anew.
  const participant = live?.sid === conferenceSid ? live.participants[callSid] : undefined;
  if (!live || !participant) return none;
  if (Date.parse(command.at) - Date.parse(participant.joinedAt) < maxCallDuration * 1000) return none;
  return { events: leave(live, callSid, 'timed-out', null, command.at) };
}

/** The events of `callSid` leaving, and of the conference ending if that leave ends it. */
function leave(
  live: LiveConference,
  callSid: string,
  reason: LeaveReason,
  sequenceNumber: number | null,
  at: string,
): RoomEvent[] {
  const leaving = live.participants[callSid];
  const left: RoomEvent = {
    type: 'ParticipantLeft',
    data: { conferenceSid: live.sid, callSid, reason, sequenceNumber, at },
  };
  const others = Object.keys(live.participants).filter((sid) => sid !== callSid);
  if (leaving?.endConferenceOnExit) {
    return [
      left,
      ...endConference(live, 'participant-with-end-conference-on-exit-left', callSid, others, at),
    ];
  }
  if (others.length === 0) {
    return [left, ...endConference(live, 'last-participant-left', callSid, [], at)];
  }
  return [left];
}

function endConference(
  live: LiveConference,
  reason: ReasonConferenceEnded | null,
  callSidEndingConference: string | null,
  remaining: string[],
  at: string,
): RoomEvent[] {
  return [
    ...remaining.map(
      (callSid): RoomEvent => ({
        type: 'ParticipantLeft',
        data: { conferenceSid: live.sid, callSid, reason: 'conference-ended', sequenceNumber: null, at },
      }),
    ),
    { type: 'ConferenceEnded', data: { conferenceSid: live.sid, reason, callSidEndingConference, at } },
  ];
}

function openConference(data: {
  conferenceSid: string;
  maxParticipants: number;
  at: string;
}): LiveConference {
  return {
    sid: data.conferenceSid,
    status: 'init',
    createdAt: data.at,
    maxParticipants: data.maxParticipants,
    participants: {},
    sequences: {},
  };
}

function withSequence(
  live: LiveConference,
  callSid: string,
  sequenceNumber: number | null,
): LiveConference['sequences'] {
  if (sequenceNumber === null) return live.sequences;
  return {
    ...live.sequences,
    [callSid]: Math.max(sequenceNumber, live.sequences[callSid] ?? sequenceNumber),
  };
}

export function evolve(room: RoomState, event: RoomEvent): RoomState {
  const live = room.live;
  switch (event.type) {
    case 'ConferenceOpened':
      return { live: openConference(event.data) };
    case 'ParticipantJoined': {
      if (!live) return room;
      const d = event.data;
      const participant: Participant = {
        callSid: d.callSid,
        label: d.label,
        muted: d.muted,
        hold: d.hold,
        coaching: d.coaching,
        callSidToCoach: d.callSidToCoach,
        startConferenceOnEnter: d.startConferenceOnEnter,
        endConferenceOnExit: d.endConferenceOnExit,
        joinedAt: d.at,
      };
      return {
        live: {
          ...live,
          participants: { ...live.participants, [d.callSid]: participant },
          sequences: withSequence(live, d.callSid, d.sequenceNumber),
        },
      };
    }
    case 'ConferenceStarted':
      return live ? { live: { ...live, status: 'in-progress' } } : room;
    case 'ParticipantUpdated': {
      const d = event.data;
      const current = live?.participants[d.callSid];
      if (!live || !current) return room;
      const { muted, hold, coaching, callSidToCoach, endConferenceOnExit } = d;
      return {
        live: {
          ...live,
          participants: {
            ...live.participants,
            [d.callSid]: { ...current, muted, hold, coaching, callSidToCoach, endConferenceOnExit },
          },
          sequences: withSequence(live, d.callSid, d.sequenceNumber),
        },
      };
    }
    case 'ParticipantLeft': {
      if (!live) return room;
      const { [event.data.callSid]: _gone, ...participants } = live.participants;
      return {
        live: {
          ...live,
          participants,
          sequences: withSequence(live, event.data.callSid, event.data.sequenceNumber),
        },
      };
    }
    case 'UnknownCallLeft':
      return live
        ? { live: { ...live, sequences: withSequence(live, event.data.callSid, event.data.sequenceNumber) } }
        : room;
    case 'ConferenceEnded':
      return initialRoomState;
    case 'CallEnded':
    case 'JoinRejected':
      return room;
  }
}
