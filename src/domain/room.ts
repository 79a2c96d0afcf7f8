// A room is one FriendlyName of one account. Its state is the live conference instance, if any: enough to
// decide every command without replaying history. Completed instances live on only in the event log and
// the read models.

import type { CallState } from './call.js';
import type {
  EndCall,
  EndConference,
  JoinConference,
  LeaveConference,
  Reported,
  ReportRecording,
  RoomCommand,
  StartConference,
  TimeOutParticipant,
  UpdateParticipant,
} from './commands.js';
import type {
  JoinRejected,
  LeaveReason,
  ParticipantFlags,
  ParticipantUpdateArrivedEarly,
  ParticipantUpdated,
  PlatformLeave,
  ReasonConferenceEnded,
  RoomEvent,
} from './events.js';
import { conferenceSidFromUlid } from './ids.js';
import { withEntry, withoutEntry } from './records.js';

export interface Participant extends ParticipantFlags {
  callSid: string;
  label: string | null;
  startConferenceOnEnter: boolean;
  /** When it joined, so that one connected for longer than any call lasts can be told. */
  joinedAt: string;
}

export interface LiveConference {
  /** The Sid Conclave minted: the key of its rows and events, whatever Sid is shown. */
  sid: string;
  /** The platform's own Sid, once a callback reported one. */
  platformSid: string | null;
  status: 'init' | 'in-progress';
  createdAt: string;
  maxParticipants: number;
  participants: { [callSid: string]: Participant };
  /** The newest provider SequenceNumber applied per call, departed calls included. */
  sequences: { [callSid: string]: number };
  /** Flags the platform reported for calls whose joins it sent before but have not arrived, by call. */
  early?: { [callSid: string]: EarlyUpdate };
}

/** Flags reported ahead of the call's join: the join applies them after itself. */
export type EarlyUpdate = Omit<ParticipantUpdateArrivedEarly['data'], 'conferenceSid' | 'callSid' | 'at'>;

/** A completed instance, remembered so that the platform's late callbacks about it find it. */
export interface EarlierConference {
  sid: string;
  platformSid: string | null;
  createdAt: string;
  reason: ReasonConferenceEnded | null;
  callSidEndingConference: string | null;
}

export interface RoomState {
  live: LiveConference | null;
  /** The room's latest completed instances, newest first, at most EARLIER_KEPT of them. */
  earlier?: EarlierConference[];
}

export const initialRoomState: RoomState = { live: null };

/**
 * How many completed instances a room remembers. The platform runs one conference per room at a time and
 * its callbacks come within seconds: a callback about an instance older than this many is not expected.
 */
const EARLIER_KEPT = 8;

export type Decision = { events: RoomEvent[] };

const none: Decision = { events: [] };

export function decide(command: RoomCommand, room: RoomState, call: CallState): Decision {
  const decision = decideCommand(command, room, call);
  const reportedAt = reportedTimeOf(command);
  if (reportedAt === null) return decision;
  return { events: decision.events.map((event) => withReportedTime(event, reportedAt)) };
}

/** The platform's time for what a command reports: the Timestamp of the callback it came from. */
function reportedTimeOf(command: RoomCommand): string | null {
  switch (command.type) {
    case 'EndConference':
    case 'EndCall':
      return command.data.reportedAt ?? null;
    case 'LeaveConference':
      return command.data.reported?.at ?? command.data.reportedAt ?? null;
    case 'TimeOutParticipant':
      return null;
    default:
      return command.data.reported?.at ?? null;
  }
}

/** The events whose data can say when the platform reported them: those the app's callbacks are made from. */
type Reportable<E extends RoomEvent = RoomEvent> = E extends unknown
  ? 'reportedAt' extends keyof E['data']
    ? E
    : never
  : never;

const REPORTABLE: ReadonlySet<RoomEvent['type']> = new Set<Reportable['type']>([
  'ParticipantJoined',
  'ConferenceStarted',
  'ParticipantUpdated',
  'ParticipantUpdateArrivedEarly',
  'ParticipantLeft',
  'ConferenceEnded',
]);

/**
 * The event with the platform's time, where the app's callbacks are made from it: what a report decides
 * (a leave, and the end that leave brings; the end of an instance the platform moved on from) happened by
 * the time the platform reported it, which is nearer the fact than when it reached Conclave.
 */
function withReportedTime(event: RoomEvent, reportedAt: string): RoomEvent {
  // An update held for its join keeps the time of its own report.
  if (!REPORTABLE.has(event.type) || 'reportedAt' in event.data) return event;
  return { ...event, data: { ...event.data, reportedAt } } as RoomEvent;
}

function decideCommand(command: RoomCommand, room: RoomState, call: CallState): Decision {
  switch (command.type) {
    case 'JoinConference':
      return decideJoin(command, room, call);
    case 'LeaveConference':
      return decideLeave(command, room, call);
    case 'EndCall':
      return decideEndCall(command, room, call);
    case 'UpdateParticipant':
      return decideUpdate(command, room, call);
    case 'EndConference':
      return decideEndConference(command, room);
    case 'TimeOutParticipant':
      return decideTimeOut(command, room);
    case 'StartConference':
      return decideStart(command, room);
    case 'ReportRecording':
      return decideRecording(command, room);
  }
}

/** Whole seconds: the platform's Timestamps carry no more, so finer times cannot be compared with them. */
function second(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** Which instance of the room a platform callback is about. */
export type Located =
  /** The live one; `adopt` is the platform Sid to record for it first, if it had none. */
  | { at: 'live'; live: LiveConference; adopt: string | null }
  /** A completed one. */
  | { at: 'earlier'; conference: EarlierConference; adopt: string | null }
  /** One the platform opened after the live one, which has its own platform Sid: the live one is over. */
  | { at: 'successor'; live: LiveConference | null; sid: string }
  | { at: 'nowhere' };

/**
 * The platform's facts win, by Sid first: a Sid known to the room names its instance; a Sid new to the
 * room, while the live instance has another, is a successor (the platform runs one conference per room at
 * a time). Only when the live instance has no platform Sid yet do timestamps decide, at whole seconds: a
 * callback from before the live instance was opened is about the instance before it.
 */
export function locate(room: RoomState, reported: Reported | null): Located {
  const { live } = room;
  const sid = reported?.conferenceSid ?? null;
  if (sid === null) return live ? { at: 'live', live, adopt: null } : { at: 'nowhere' };
  if (live && (live.sid === sid || live.platformSid === sid)) return { at: 'live', live, adopt: null };
  const earlier = room.earlier ?? [];
  const known = earlier.find((c) => c.sid === sid || c.platformSid === sid);
  if (known) return { at: 'earlier', conference: known, adopt: null };
  // The instance completed last, if the platform never told its Sid: an unknown Sid may well be its.
  const latest = earlier[0]?.platformSid === null ? earlier[0] : undefined;
  const before = (conference: { createdAt: string }) =>
    reported?.at != null && second(reported.at) < second(conference.createdAt);
  if (live) {
    if (live.platformSid !== null) return { at: 'successor', live, sid };
    // A Sid from before the live instance opened can only be an earlier instance's if one never told its.
    if (before(live) && latest) return { at: 'earlier', conference: latest, adopt: sid };
    return { at: 'live', live, adopt: sid };
  }
  if (latest && !before(latest)) return { at: 'earlier', conference: latest, adopt: sid };
  // Reported from before the last instance opened, it cannot be about one the platform opened since.
  if (earlier[0] && before(earlier[0])) return { at: 'nowhere' };
  return { at: 'successor', live: null, sid };
}

function adoption(conferenceSid: string, platformSid: string | null, at: string): RoomEvent[] {
  return platformSid === null
    ? []
    : [{ type: 'ConferenceSidReported', data: { conferenceSid, platformSid, at } }];
}

/**
 * The events that settle where a platform callback belongs before it applies: the Sid adopted, or the live
 * instance completed because the platform has moved on. Returns the room as it then stands.
 */
function settle(located: Located, room: RoomState, at: string): { events: RoomEvent[]; room: RoomState } {
  let events: RoomEvent[] = [];
  if (located.at === 'live') events = adoption(located.live.sid, located.adopt, at);
  if (located.at === 'earlier') events = adoption(located.conference.sid, located.adopt, at);
  if (located.at === 'successor' && located.live) {
    // The platform ended it without telling us yet: its conference-end, when it comes, gives the reason.
    events = endConference(located.live, null, null, Object.keys(located.live.participants), at);
  }
  return { events, room: events.reduce(evolve, room) };
}

/** True when `sequenceNumber` is not newer than what was already applied for the call. */
function isStale(live: LiveConference | null, callSid: string, sequenceNumber: number | null): boolean {
  if (live === null || sequenceNumber === null) return false;
  const applied = live.sequences[callSid];
  return applied !== undefined && sequenceNumber <= applied;
}

/**
 * Whether a join the platform reports is the call coming back to `live`: it is not there, and the platform
 * numbered this join after the last callback it sent about the call there. A join numbered before that,
 * or with nothing the platform numbered to compare it with (a leave Conclave inferred from the call's dial
 * ending), is the report of a join already recorded.
 */
function comesBack(live: LiveConference, callSid: string, sequenceNumber: number | null): boolean {
  const applied = live.sequences[callSid];
  return (
    live.participants[callSid] === undefined &&
    sequenceNumber !== null &&
    applied !== undefined &&
    sequenceNumber > applied
  );
}

function rejected(
  callSid: string,
  reason: JoinRejected['data']['reason'],
  conferenceSid: string | null,
  at: string,
  why: { code: number | null; detail: string } | null = null,
): Decision {
  const detail = why && { ...(why.code !== null && { code: why.code }), detail: why.detail };
  return { events: [{ type: 'JoinRejected', data: { callSid, reason, conferenceSid, ...detail, at } }] };
}

function decideJoin(command: JoinConference, room: RoomState, call: CallState): Decision {
  const { callSid, attributes, via, sequenceNumber, failure = null } = command.data;
  const at = command.at;
  if (call.ended) return rejected(callSid, 'call-ended', room.live?.sid ?? null, at);
  const located = via === 'callback' ? locate(room, command.data.reported ?? null) : null;
  if (located?.at === 'earlier' || located?.at === 'nowhere') {
    return { events: settle(located, room, at).events };
  }
  // The platform reports joins of calls our TwiML placed too, with its Sid: in the live instance, only a
  // call that is not in this room is new, or one the platform numbers after the leave it reported for it
  // (the call came back). A Sid new to the room is a conference the platform opened since: the call joins
  // it, wherever it was.
  const inRoom = call.room === command.data.friendlyName;
  if (inRoom && located?.at === 'live' && !comesBack(located.live, callSid, sequenceNumber)) {
    return { events: settle(located, room, at).events };
  }
  const settled = located === null ? { events: [], room } : settle(located, room, at);
  const live = settled.room.live;
  if (failure !== null) {
    const why = { code: failure.code, detail: failure.message };
    return rejected(callSid, 'invalid-attribute', live?.sid ?? null, at, why);
  }
  if (isStale(live, callSid, sequenceNumber)) return { events: settled.events };
  if (live?.participants[callSid]) return { events: settled.events };

  const events: RoomEvent[] = [...settled.events];
  let conference: LiveConference;
  if (live === null) {
    const conferenceSid = conferenceSidFromUlid(command.id);
    const opened: RoomEvent = {
      type: 'ConferenceOpened',
      data: {
        conferenceSid,
        friendlyName: command.data.friendlyName,
        region: attributes.region,
        maxParticipants: attributes.maxParticipants,
        record: attributes.record,
        trim: attributes.trim,
        at,
      },
    };
    events.push(opened);
    if (located?.at === 'successor') events.push(...adoption(conferenceSid, located.sid, at));
    conference = openConference(opened.data);
  } else {
    conference = live;
    const present = Object.values(live.participants);
    // A join the platform reports has happened (the platform holds the conference to maxParticipants
    // itself; a leave it sent earlier may simply not have arrived yet): only our own TwiML is held to the
    // cap and the label rule.
    if (via === 'voice' && present.length >= live.maxParticipants) {
      return rejected(callSid, 'conference-full', live.sid, at);
    }
    if (via === 'voice' && attributes.label !== null && present.some((p) => p.label === attributes.label)) {
      return rejected(callSid, 'duplicate-label', live.sid, at, {
        code: 16025,
        detail: `participantLabel '${attributes.label}' is in use by another participant`,
      });
    }
  }
  // Twilio's 13240: the call to coach must be connected to this conference.
  const coached = attributes.callSidToCoach;
  if (via === 'voice' && coached !== null && !conference.participants[coached]) {
    return rejected(callSid, 'coach-not-connected', live?.sid ?? null, at, {
      code: 13240,
      detail: `coach ${coached} is not connected to this conference`,
    });
  }
  const { warnings = [], hold = false } = command.data;
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
      hold,
      coaching: command.data.coaching ?? coached !== null,
      callSidToCoach: coached,
      startConferenceOnEnter: attributes.startConferenceOnEnter,
      endConferenceOnExit: attributes.endConferenceOnExit,
      sequenceNumber,
      ...(warnings.length > 0 ? { warnings } : {}),
      at,
      ...(attributes.callbacks && { callbacks: attributes.callbacks }),
    },
  });
  const after = events.reduce(evolve, room).live;
  if (after && after.status === 'init' && meetsStartRule(after)) {
    events.push({ type: 'ConferenceStarted', data: { conferenceSid: after.sid, at } });
  }
  // Flags the platform reported after this join, whose report they overtook on the way, now apply.
  // Recorded now, in the log's order; the app's callback keeps the time the platform gave the report.
  const early = via === 'callback' ? conference.early?.[callSid] : undefined;
  const joined = after?.participants[callSid];
  if (early && joined && sequenceNumber !== null && early.sequenceNumber > sequenceNumber) {
    const { sequenceNumber: number, reportedAt, ...flags } = early;
    const update = updated(conference.sid, callSid, flags, joined, number, at);
    events.push(reportedAt === undefined ? update : { ...update, data: { ...update.data, reportedAt } });
  }
  return { events };
}

/** A conference starts once two participants are present and one of them may start it. */
function meetsStartRule(conference: LiveConference): boolean {
  const present = Object.values(conference.participants);
  return present.length >= 2 && present.some((p) => p.startConferenceOnEnter);
}

function decideLeave(command: LeaveConference, room: RoomState, call: CallState): Decision {
  const { callSid, reason, sequenceNumber, to } = command.data;
  if (to !== undefined && call.room !== to) return none;
  const located = locate(room, command.data.reported ?? null);
  const settled = settle(located, room, command.at);
  const live = located.at === 'live' ? settled.room.live : null;
  if (located.at === 'live' && isStale(live, callSid, sequenceNumber)) return { events: settled.events };
  if (live?.participants[callSid]) {
    const { platform } = command.data;
    return {
      events: [...settled.events, ...leave(live, callSid, reason, sequenceNumber, command.at, platform)],
    };
  }
  if (reason === 'left' && call.room === null && located.at !== 'earlier') {
    const unknown: RoomEvent = { type: 'UnknownCallLeft', data: { callSid, sequenceNumber, at: command.at } };
    return { events: [...settled.events, unknown] };
  }
  return { events: settled.events };
}

function decideEndCall(command: EndCall, room: RoomState, call: CallState): Decision {
  if (call.ended) return none;
  const { callSid, callStatus } = command.data;
  const left = room.live?.participants[callSid] ? leave(room.live, callSid, 'hung-up', null, command.at) : [];
  return { events: [...left, { type: 'CallEnded', data: { callSid, callStatus, at: command.at } }] };
}

function decideUpdate(command: UpdateParticipant, room: RoomState, call: CallState): Decision {
  const { callSid, flags, sequenceNumber } = command.data;
  const located = locate(room, command.data.reported ?? null);
  const settled = settle(located, room, command.at);
  const live = located.at === 'live' ? settled.room.live : null;
  if (!live || isStale(live, callSid, sequenceNumber)) return { events: settled.events };
  const current = live.participants[callSid];
  if (!current) {
    // A call Conclave has not seen join any room (one it did not place): its join, which the platform
    // numbered before this report, is still on the way. Held for it. A call seen elsewhere may have left
    // this room, and the report be an old one: nothing tells the two apart, so it is not held.
    const held = live.early?.[callSid]?.sequenceNumber ?? Number.NEGATIVE_INFINITY;
    if (call.room !== null || call.ended || sequenceNumber === null || sequenceNumber <= held)
      return { events: settled.events };
    const early: RoomEvent = {
      type: 'ParticipantUpdateArrivedEarly',
      data: { conferenceSid: live.sid, callSid, ...flags, sequenceNumber, at: command.at },
    };
    return { events: [...settled.events, early] };
  }
  return {
    events: [...settled.events, updated(live.sid, callSid, flags, current, sequenceNumber, command.at)],
  };
}

/**
 * The participant's flags as reported. A report that it is coaching but names no one to coach does not end
 * the coaching: it goes on with the call it coached. Only a report that it stopped coaching clears that call.
 */
function updated(
  conferenceSid: string,
  callSid: string,
  flags: ParticipantFlags,
  current: Participant,
  sequenceNumber: number | null,
  at: string,
): ParticipantUpdated {
  const callSidToCoach = flags.coaching ? (flags.callSidToCoach ?? current.callSidToCoach) : null;
  return {
    type: 'ParticipantUpdated',
    data: { conferenceSid, callSid, ...flags, callSidToCoach, sequenceNumber, at },
  };
}

function decideEndConference(command: EndConference, room: RoomState): Decision {
  const { reason, callSidEndingConference, conferenceSid, reportedAt, reasonText = null } = command.data;
  const at = command.at;
  const located = locate(room, { conferenceSid, at: reportedAt });
  const settled = settle(located, room, at);
  if (located.at === 'live') {
    const { live } = located;
    return {
      events: [
        ...settled.events,
        ...endConference(
          live,
          reason,
          callSidEndingConference,
          Object.keys(live.participants),
          at,
          reasonText,
        ),
      ],
    };
  }
  if (located.at !== 'earlier') return { events: settled.events };
  // Conclave completed it first (the last leave came before the platform's end): the platform's reason wins.
  const ended = located.conference;
  const corrected = reason ?? ended.reason;
  // A reason like Conclave's, sent without the call that ended it, leaves the derived call in place.
  const by =
    corrected === ended.reason
      ? (callSidEndingConference ?? ended.callSidEndingConference)
      : callSidEndingConference;
  if (corrected === null || (corrected === ended.reason && by === ended.callSidEndingConference)) {
    return { events: settled.events };
  }
  return {
    events: [
      ...settled.events,
      {
        type: 'ConferenceEndCorrected',
        data: { conferenceSid: ended.sid, reason: corrected, callSidEndingConference: by, at },
      },
    ],
  };
}

function decideStart(command: StartConference, room: RoomState): Decision {
  const located = locate(room, command.data.reported ?? null);
  const settled = settle(located, room, command.at);
  const live = located.at === 'live' ? settled.room.live : null;
  if (live?.status !== 'init') return { events: settled.events };
  const started: RoomEvent = { type: 'ConferenceStarted', data: { conferenceSid: live.sid, at: command.at } };
  return { events: [...settled.events, started] };
}

function decideRecording(command: ReportRecording, room: RoomState): Decision {
  const located = locate(room, command.data.reported ?? null);
  // A recording names the instance it recorded; where it is not one this room knows, there is nothing
  // to attach it to.
  if (located.at !== 'live' && located.at !== 'earlier') return none;
  const settled = settle(located, room, command.at);
  const conferenceSid = located.at === 'live' ? located.live.sid : located.conference.sid;
  return {
    events: [
      ...settled.events,
      { type: 'RecordingReported', data: { conferenceSid, ...command.data.recording, at: command.at } },
    ],
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
  platform?: PlatformLeave,
): RoomEvent[] {
  const leaving = live.participants[callSid];
  const left: RoomEvent = {
    type: 'ParticipantLeft',
    data: { conferenceSid: live.sid, callSid, reason, sequenceNumber, at, ...(platform && { platform }) },
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
  reasonText: string | null = null,
): RoomEvent[] {
  // The call the platform names as ending the conference leaves when it did: last when it was the last to
  // go (and the app's conference-end then names it, with its label), first when its leaving ended it.
  const ender = callSidEndingConference;
  const others = remaining.filter((s) => s !== ender);
  const ordered =
    ender === null || others.length === remaining.length
      ? remaining
      : reason === 'participant-with-end-conference-on-exit-left'
        ? [ender, ...others]
        : [...others, ender];
  return [
    ...ordered.map(
      (callSid): RoomEvent => ({
        type: 'ParticipantLeft',
        data: {
          conferenceSid: live.sid,
          callSid,
          reason: 'conference-ended',
          sequenceNumber: null,
          at,
          endReason: reason,
        },
      }),
    ),
    {
      type: 'ConferenceEnded',
      data: {
        conferenceSid: live.sid,
        reason,
        callSidEndingConference,
        at,
        ...(reasonText !== null && { reasonText }),
      },
    },
  ];
}

function openConference(data: {
  conferenceSid: string;
  maxParticipants: number;
  at: string;
}): LiveConference {
  return {
    sid: data.conferenceSid,
    platformSid: null,
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
  return withEntry(
    live.sequences,
    callSid,
    Math.max(sequenceNumber, live.sequences[callSid] ?? sequenceNumber),
  );
}

export function evolve(room: RoomState, event: RoomEvent): RoomState {
  const live = room.live;
  switch (event.type) {
    case 'ConferenceOpened':
      return { ...room, live: openConference(event.data) };
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
        ...room,
        live: {
          ...withoutEarly(live, d.callSid),
          participants: withEntry(live.participants, d.callSid, participant),
          sequences: withSequence(live, d.callSid, d.sequenceNumber),
        },
      };
    }
    case 'ConferenceStarted':
      return live ? { ...room, live: { ...live, status: 'in-progress' } } : room;
    case 'ParticipantUpdated': {
      const d = event.data;
      const current = live?.participants[d.callSid];
      if (!live || !current) return room;
      const { muted, hold, coaching, callSidToCoach, endConferenceOnExit } = d;
      return {
        ...room,
        live: {
          ...live,
          participants: withEntry(live.participants, d.callSid, {
            ...current,
            muted,
            hold,
            coaching,
            callSidToCoach,
            endConferenceOnExit,
          }),
          sequences: withSequence(live, d.callSid, d.sequenceNumber),
        },
      };
    }
    case 'ParticipantLeft': {
      if (!live) return room;
      const participants = withoutEntry(live.participants, event.data.callSid);
      return {
        ...room,
        live: {
          ...live,
          participants,
          sequences: withSequence(live, event.data.callSid, event.data.sequenceNumber),
        },
      };
    }
    case 'ParticipantUpdateArrivedEarly': {
      if (!live) return room;
      const { conferenceSid: _sid, callSid, at: _at, ...update } = event.data;
      return { ...room, live: { ...live, early: withEntry(live.early ?? {}, callSid, update) } };
    }
    case 'UnknownCallLeft':
      return live
        ? {
            ...room,
            live: {
              ...withoutEarly(live, event.data.callSid),
              sequences: withSequence(live, event.data.callSid, event.data.sequenceNumber),
            },
          }
        : room;
    case 'ConferenceEnded': {
      if (!live) return room;
      const d = event.data;
      const ended: EarlierConference = {
        sid: live.sid,
        platformSid: live.platformSid,
        createdAt: live.createdAt,
        reason: d.reason,
        callSidEndingConference: d.callSidEndingConference,
      };
      return { live: null, earlier: [ended, ...(room.earlier ?? [])].slice(0, EARLIER_KEPT) };
    }
    case 'ConferenceSidReported': {
      const { conferenceSid, platformSid } = event.data;
      if (live?.sid === conferenceSid) return { ...room, live: { ...live, platformSid } };
      return withEarlier(room, conferenceSid, { platformSid });
    }
    case 'ConferenceEndCorrected': {
      const { conferenceSid, reason, callSidEndingConference } = event.data;
      return withEarlier(room, conferenceSid, { reason, callSidEndingConference });
    }
    // A call turned away will not join: what was held for its join is dropped with it.
    case 'JoinRejected':
      return live ? { ...room, live: withoutEarly(live, event.data.callSid) } : room;
    case 'CallEnded':
    case 'RecordingReported':
      return room;
  }
}

/** `live` without what was held for `callSid`'s join; without `early` at all once nothing is held. */
function withoutEarly(live: LiveConference, callSid: string): LiveConference {
  if (live.early?.[callSid] === undefined) return live;
  const { early, ...rest } = live;
  const kept = withoutEntry(early, callSid);
  return Object.keys(kept).length > 0 ? { ...rest, early: kept } : rest;
}

function withEarlier(room: RoomState, sid: string, change: Partial<EarlierConference>): RoomState {
  if (!room.earlier) return room;
  return { ...room, earlier: room.earlier.map((c) => (c.sid === sid ? { ...c, ...change } : c)) };
}
