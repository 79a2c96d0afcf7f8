// What the edge asks of a room, in the imperative. `id` is a ULID minted when the request arrived (its time
// is `at`): the events a command produces take their ids from it, and a conference it opens takes its Sid
// from it, so replaying the log reproduces every Sid.

import type {
  AttributeWarning,
  JoinAttributes,
  ParticipantFlags,
  PlatformLeave,
  ReasonConferenceEnded,
  RecordingReported,
  TerminalCallStatus,
} from './events.js';

/**
 * What a platform callback says about which instance it is about: the platform's ConferenceSid and its
 * Timestamp (whole seconds), where it sent them. Null for what Conclave decides itself (its own TwiML).
 */
export interface Reported {
  conferenceSid: string | null;
  at: string | null;
}

/** A `<Conference>` attribute value with which Twilio fails the conference: the call does not join. */
export interface AttributeFailure {
  /** Twilio's error code, where it documents one. */
  code: number | null;
  message: string;
}

interface Command<Type extends string, Data> {
  type: Type;
  id: string;
  at: string;
  data: Data;
}

export type JoinConference = Command<
  'JoinConference',
  {
    callSid: string;
    friendlyName: string;
    from: string | null;
    to: string | null;
    attributes: JoinAttributes;
    /** `voice`: our TwiML put the call here. `callback`: the platform reported a participant-join. */
    via: 'voice' | 'callback';
    /** On hold when it joined: the platform says so in its participant-join. */
    hold?: boolean;
    /**
     * Coaching when it joined, as the platform's participant-join says: Twilio sends `Coaching` there but
     * not always whom it coaches (`attributes.callSidToCoach`).
     */
    coaching?: boolean;
    /** Attribute values Twilio would warn about; the defaults were applied in their place. */
    warnings?: AttributeWarning[];
    /** An attribute value with which Twilio would fail the join. */
    failure?: AttributeFailure | null;
    sequenceNumber: number | null;
    reported?: Reported | null;
  }
>;

export type LeaveConference = Command<
  'LeaveConference',
  {
    callSid: string;
    reason: 'dial-ended' | 'left' | 'moved';
    sequenceNumber: number | null;
    reported?: Reported | null;
    /** For a call the platform reports in another room: that room. The call leaves only once it is there. */
    to?: string;
    /** What the platform's participant-leave said of the call, if it said anything. */
    platform?: PlatformLeave;
    /** For a leave the platform implied by reporting the call's join in another room: that report's time. */
    reportedAt?: string | null;
  }
>;

export type EndCall = Command<
  'EndCall',
  {
    callSid: string;
    callStatus: TerminalCallStatus;
    /** The platform's own time for the call's end, when its status callback sent one. */
    reportedAt?: string | null;
  }
>;

export type UpdateParticipant = Command<
  'UpdateParticipant',
  { callSid: string; flags: ParticipantFlags; sequenceNumber: number | null; reported?: Reported | null }
>;

/** The platform's conference-start: the instance is in progress, whatever Conclave predicted. */
export type StartConference = Command<'StartConference', { reported: Reported }>;

/** A recording status callback, to be recorded against the instance it names. */
export type ReportRecording = Command<
  'ReportRecording',
  { reported: Reported; recording: Omit<RecordingReported['data'], 'conferenceSid' | 'at'> }
>;

export type EndConference = Command<
  'EndConference',
  {
    /** The Sid the platform reported; it may be the platform's own rather than ours. */
    conferenceSid: string | null;
    reason: ReasonConferenceEnded | null;
    callSidEndingConference: string | null;
    /** The platform's own time for the end, when it sent one. */
    reportedAt: string | null;
    /** The platform's own words for the end (Twilio's free-text `Reason`), when it sent them. */
    reasonText?: string | null;
  }
>;

/**
 * Takes out a participant whose leave never arrived: one connected for longer than any call can last
 * (`maxCallDuration`, in seconds) has certainly gone. `conferenceSid` names the instance it was seen in.
 */
export type TimeOutParticipant = Command<
  'TimeOutParticipant',
  { callSid: string; conferenceSid: string; maxCallDuration: number }
>;

export type RoomCommand =
  | JoinConference
  | LeaveConference
  | EndCall
  | UpdateParticipant
  | EndConference
  | TimeOutParticipant
  | StartConference
  | ReportRecording;
