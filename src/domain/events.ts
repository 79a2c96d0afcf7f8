// The facts Conclave records, in the past tense. Every event carries the time it was recorded (`at`,
// ISO 8601 UTC) so that read models never consult a clock, and the provider's SequenceNumber where the
// platform sent one, so that late callbacks can be recognised. What a platform callback reported also
// carries the platform's own time for it (`reportedAt`), which the app's callbacks pass on as Twilio would.

import type { AppCallbacks } from './callbacks.js';

export type Beep = 'true' | 'false' | 'onEnter' | 'onExit';
export type Record = 'do-not-record' | 'record-from-start';
export type Trim = 'trim-silence' | 'do-not-trim';

export const REASONS_CONFERENCE_ENDED = [
  'conference-ended-via-api',
  'participant-with-end-conference-on-exit-left',
  'participant-with-end-conference-on-exit-kicked',
  'last-participant-kicked',
  'last-participant-left',
] as const;
/** Twilio's reasons, or one it adds later, kept exactly as the platform sent it. */
export type ReasonConferenceEnded = (typeof REASONS_CONFERENCE_ENDED)[number] | (string & {});

/** Why a participant left: how the call said so, what the conference did to it, or, `timed-out`, that it
 * stayed connected longer than any call lasts, so its leave was lost on the way. */
export type LeaveReason = 'hung-up' | 'dial-ended' | 'left' | 'moved' | 'conference-ended' | 'timed-out';

export const TERMINAL_CALL_STATUSES = ['completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;
export type TerminalCallStatus = (typeof TERMINAL_CALL_STATUSES)[number];

/** What each participant brings to a join; `maxParticipants`, `region`, `record` and `trim` only count
 * for the participant who opens the conference. */
export interface JoinAttributes {
  label: string | null;
  muted: boolean;
  beep: Beep;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  callSidToCoach: string | null;
  maxParticipants: number;
  region: string | null;
  record: Record;
  trim: Trim;
  /** The callbacks the app asked for in its voice URL, if any (kept with the join, see callbacks.ts). */
  callbacks?: AppCallbacks;
}

/**
 * A `<Conference>` attribute value Twilio only warns about: the default applies and the call goes on.
 * `code` is Twilio's warning code, null where Twilio documents none for that attribute.
 */
export interface AttributeWarning {
  attribute: string;
  value: string;
  code: number | null;
}

/** Why a join did not happen, and Twilio's error code for it where it has one. */
export type JoinRejectionReason =
  | 'conference-full'
  | 'call-ended'
  | 'duplicate-label'
  | 'coach-not-connected'
  | 'invalid-attribute';

/** The participant flags the platform reports on every participant callback. */
export interface ParticipantFlags {
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  callSidToCoach: string | null;
  endConferenceOnExit: boolean;
}

type Event<Type extends string, Data> = { type: Type; data: Data };

/** Present on what a platform callback reported, where it sent a Timestamp: the platform's time for it. */
export interface ReportedTime {
  reportedAt?: string;
}

export type ConferenceOpened = Event<
  'ConferenceOpened',
  {
    conferenceSid: string;
    friendlyName: string;
    region: string | null;
    maxParticipants: number;
    record: Record;
    trim: Trim;
    at: string;
  }
>;

export type ParticipantJoined = Event<
  'ParticipantJoined',
  ParticipantFlags & {
    conferenceSid: string;
    callSid: string;
    from: string | null;
    to: string | null;
    label: string | null;
    beep: Beep;
    startConferenceOnEnter: boolean;
    sequenceNumber: number | null;
    /** The attribute values Twilio would only warn about; present only when there are some. */
    warnings?: AttributeWarning[];
    at: string;
    callbacks?: AppCallbacks;
  } & ReportedTime
>;

/**
 * The platform reported its own Sid for an instance (`conferenceSid`, the one Conclave minted): from now
 * on the instance is shown by `platformSid`, and the minted Sid stays valid as an alias.
 */
export type ConferenceSidReported = Event<
  'ConferenceSidReported',
  { conferenceSid: string; platformSid: string; at: string }
>;

/** The platform's conference-end for an instance Conclave had already completed, with another reason. */
export type ConferenceEndCorrected = Event<
  'ConferenceEndCorrected',
  {
    conferenceSid: string;
    reason: ReasonConferenceEnded;
    callSidEndingConference: string | null;
    at: string;
  }
>;

export type ConferenceStarted = Event<
  'ConferenceStarted',
  { conferenceSid: string; at: string } & ReportedTime
>;

export type ParticipantUpdated = Event<
  'ParticipantUpdated',
  ParticipantFlags & {
    conferenceSid: string;
    callSid: string;
    sequenceNumber: number | null;
    at: string;
  } & ReportedTime
>;

/** Twilio's ReasonParticipantLeft values (with their underscores). */
export const PARTICIPANT_LEFT_REASONS = [
  'conference_ended_via_api',
  'moderator_ended_conference',
  'participant_updated_via_api',
  'participant_hung_up',
  'participant_add_failed',
] as const;

/** Twilio's ParticipantCallStatus values on a participant-leave. */
export const PARTICIPANT_CALL_STATUSES = [
  'no-answer',
  'busy',
  'in-progress',
  'failed',
  'canceled',
  'completed',
] as const;

/** What the platform's participant-leave said of the call, where it said it. */
export interface PlatformLeave {
  reasonParticipantLeft: (typeof PARTICIPANT_LEFT_REASONS)[number] | null;
  participantCallStatus: (typeof PARTICIPANT_CALL_STATUSES)[number] | null;
}

export type ParticipantLeft = Event<
  'ParticipantLeft',
  {
    conferenceSid: string;
    callSid: string;
    reason: LeaveReason;
    sequenceNumber: number | null;
    at: string;
    /** Only on a leave the platform reported with either value. */
    platform?: PlatformLeave;
    /** Only on a leave the conference's end made (`conference-ended`): why it ended, as its end says. */
    endReason?: ReasonConferenceEnded | null;
  } & ReportedTime
>;

export type ConferenceEnded = Event<
  'ConferenceEnded',
  {
    conferenceSid: string;
    reason: ReasonConferenceEnded | null;
    callSidEndingConference: string | null;
    at: string;
    /** The platform's own words for the end (Twilio's free-text `Reason`), where its conference-end gave them. */
    reasonText?: string;
  } & ReportedTime
>;

export type CallEnded = Event<'CallEnded', { callSid: string; callStatus: TerminalCallStatus; at: string }>;

/** A join that was refused; kept for audit, it changes no state. `code` is Twilio's error code for it. */
export type JoinRejected = Event<
  'JoinRejected',
  {
    callSid: string;
    reason: JoinRejectionReason;
    conferenceSid: string | null;
    /** Present where Twilio has a code for the reason (16025, 13240, 16002, 16023, …). */
    code?: number;
    /** What was wrong, for a reason that needs saying (which attribute, which label). */
    detail?: string;
    at: string;
  }
>;

/** The platform reported a leave for a call Conclave had not seen join: remembered so that the join,
 * when it arrives late, does not bring the call back. */
export type UnknownCallLeft = Event<
  'UnknownCallLeft',
  { callSid: string; sequenceNumber: number | null; at: string }
>;

/**
 * The platform reported flags for a call not in the conference, numbered after all it had sent about the
 * call there: the call's join was overtaken on the way. Held until that join arrives, which applies them.
 */
export type ParticipantUpdateArrivedEarly = Event<
  'ParticipantUpdateArrivedEarly',
  ParticipantFlags & {
    conferenceSid: string;
    callSid: string;
    sequenceNumber: number;
    at: string;
  } & ReportedTime
>;

export const RECORDING_STATUSES = [
  'in-progress',
  'paused',
  'stopped',
  'processing',
  'completed',
  'absent',
] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/**
 * A recording status callback, as the platform sent it: each one carries the recording's state as it
 * stands, so the newest one (by SequenceNumber where sent) is the recording.
 */
export type RecordingReported = Event<
  'RecordingReported',
  {
    conferenceSid: string;
    recordingSid: string;
    callSid: string | null;
    status: RecordingStatus;
    /** Seconds, as Twilio sends it. */
    duration: number | null;
    channels: number | null;
    source: string | null;
    startTime: string | null;
    errorCode: number | null;
    url: string | null;
    sequenceNumber: number | null;
    at: string;
  }
>;

export type RoomEvent =
  | ConferenceOpened
  | ParticipantJoined
  | ConferenceStarted
  | ParticipantUpdated
  | ParticipantLeft
  | ConferenceEnded
  | CallEnded
  | JoinRejected
  | UnknownCallLeft
  | ParticipantUpdateArrivedEarly
  | ConferenceSidReported
  | ConferenceEndCorrected
  | RecordingReported;

/** The call an event is about, if any. */
export function callSidOf(event: RoomEvent): string | null {
  return 'callSid' in event.data ? event.data.callSid : null;
}
