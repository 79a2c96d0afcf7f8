// What the edge asks of a room, in the imperative. `id` is a ULID minted when the request arrived (its time
// is `at`): the events a command produces take their ids from it, and a conference it opens takes its Sid
// from it, so replaying the log reproduces every Sid.

import type {
  JoinAttributes,
  ParticipantFlags,
  ReasonConferenceEnded,
  TerminalCallStatus,
} from './events.js';

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
    sequenceNumber: number | null;
  }
>;

export type LeaveConference = Command<
  'LeaveConference',
  { callSid: string; reason: 'dial-ended' | 'left' | 'moved'; sequenceNumber: number | null }
>;

export type EndCall = Command<'EndCall', { callSid: string; callStatus: TerminalCallStatus }>;

export type UpdateParticipant = Command<
  'UpdateParticipant',
  { callSid: string; flags: ParticipantFlags; sequenceNumber: number | null }
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
  | TimeOutParticipant;
