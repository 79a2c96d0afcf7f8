// The read models as the read side hands them out: plain records in the read side's own words, so that
// what shows them (the REST API, the dashboard) depends on this file and not on the tables' rows. The
// queries return rows typed by their tables; the compiler checks, where each query returns, that those rows
// are these records.

export type ConferenceStatus = 'init' | 'in-progress' | 'completed';

export type ParticipantStatus = 'connected' | 'complete';

/** One conference instance. `sid` is the Sid Conclave minted, the key of its rows; `platformSid` the
 * platform's, once reported. */
export interface Conference {
  accountSid: string;
  sid: string;
  friendlyName: string;
  status: ConferenceStatus;
  region: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  reasonConferenceEnded: string | null;
  callSidEndingConference: string | null;
  platformSid: string | null;
}

/** One stay of a call in a conference. */
export interface ParticipantRecord {
  accountSid: string;
  conferenceSid: string;
  callSid: string;
  label: string | null;
  status: ParticipantStatus;
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  callSidToCoach: string | null;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  dateCreated: Date;
  dateUpdated: Date;
  dateLeft: Date | null;
  leftReason: string | null;
}

/** An event of a conference's history, as the log holds it. */
export interface ConferenceEvent {
  id: string;
  type: string;
  data: unknown;
  recordedAt: Date;
}

/** A recording of a conference. Its numbers come as PostgreSQL's bigint text. */
export interface Recording {
  accountSid: string;
  sid: string;
  conferenceSid: string;
  callSid: string | null;
  status: string;
  duration: string | null;
  channels: string | null;
  source: string | null;
  startTime: Date | null;
  errorCode: string | null;
  dateCreated: Date;
  dateUpdated: Date;
}
