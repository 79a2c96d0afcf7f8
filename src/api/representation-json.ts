// The JSON representations, field for field as Twilio's 2010-04-01 API has them (see the OpenAPI subset in
// the shared reference). XML is rendered from these same objects.

import { type AppCallbacks, redactCallbacks } from '../domain/callbacks.js';
import { hexToUlid, isSid, ulidToHex } from '../domain/ids.js';
import {
  type Conference,
  type ConferenceEvent,
  type ParticipantRecord,
  type Recording,
  shownSid,
} from '../reads/index.js';
import { rfc2822 } from '../rfc2822.js';
import type { XmlObject } from '../xml.js';

const API_VERSION = '2010-04-01';
// Twilio mixes a conference that asked for no region in us1.
const DEFAULT_REGION = 'us1';

export function accountPath(accountSid: string): string {
  return `/${API_VERSION}/Accounts/${accountSid}`;
}

export function conferencePath(accountSid: string, conferenceSid: string): string {
  return `${accountPath(accountSid)}/Conferences/${conferenceSid}`;
}

/** A conference, shown by the platform's Sid once reported (see `shownSid`). */
export function conferenceJson(conference: Conference, suffix: string): XmlObject {
  const sid = shownSid(conference);
  const path = conferencePath(conference.accountSid, sid);
  return {
    account_sid: conference.accountSid,
    api_version: API_VERSION,
    call_sid_ending_conference: conference.callSidEndingConference,
    date_created: rfc2822(conference.dateCreated),
    date_updated: rfc2822(conference.dateUpdated),
    friendly_name: conference.friendlyName,
    reason_conference_ended: conference.reasonConferenceEnded,
    region: conference.region ?? DEFAULT_REGION,
    sid,
    status: conference.status,
    subresource_uris: {
      participants: `${path}/Participants${suffix}`,
      recordings: `${path}/Recordings${suffix}`,
    },
    uri: `${path}${suffix}`,
  };
}

/**
 * A participant of the conference shown as `conferenceSid`. With `history` (the caller asked for a Status, Conclave's extension) it also says when
 * the participant left and why; Twilio's own requests get Twilio's fields and nothing more.
 */
export function participantJson(
  participant: ParticipantRecord,
  conferenceSid: string,
  suffix: string,
  history: boolean,
): XmlObject {
  const path = conferencePath(participant.accountSid, conferenceSid);
  return {
    account_sid: participant.accountSid,
    call_sid: participant.callSid,
    call_sid_to_coach: participant.callSidToCoach,
    coaching: participant.coaching,
    conference_sid: conferenceSid,
    date_created: rfc2822(participant.dateCreated),
    date_updated: rfc2822(participant.dateUpdated),
    end_conference_on_exit: participant.endConferenceOnExit,
    hold: participant.hold,
    label: participant.label,
    muted: participant.muted,
    // Twilio fills it only in the answer to a participant create, which Conclave does not offer.
    queue_time: null,
    start_conference_on_enter: participant.startConferenceOnEnter,
    status: participant.status,
    uri: `${path}/Participants/${participant.callSid}${suffix}`,
    ...(history
      ? {
          date_left: participant.dateLeft && rfc2822(participant.dateLeft),
          left_reason: participant.leftReason,
        }
      : {}),
  };
}

/** An event's Sid: `EV` and the 32 hex digits of its ULID, like the conference Sids. */
export function eventSid(id: string): string {
  return `EV${ulidToHex(id)}`;
}

/** The event id (ULID) behind an event Sid, or undefined when the value is not one. */
export function eventIdOf(sid: string): string | undefined {
  return isSid('EV', sid) ? hexToUlid(sid.slice(2)) : undefined;
}

export function eventJson(accountSid: string, conferenceSid: string, event: ConferenceEvent): XmlObject {
  const stored = (event.data ?? {}) as XmlObject;
  // The app's callback URLs may carry its Basic auth password: a secret, never in an answer.
  const data = stored.callbacks
    ? ({
        ...stored,
        callbacks: redactCallbacks(stored.callbacks as unknown as AppCallbacks),
      } as unknown as XmlObject)
    : stored;
  return {
    sid: eventSid(event.id),
    account_sid: accountSid,
    conference_sid: conferenceSid,
    call_sid: typeof data.callSid === 'string' ? data.callSid : null,
    type: event.type,
    date_created: rfc2822(event.recordedAt),
    data,
  };
}

/** A recording of the conference shown as `conferenceSid`, with Twilio's fields. */
export function recordingJson(recording: Recording, conferenceSid: string, suffix: string): XmlObject {
  const path = conferencePath(recording.accountSid, conferenceSid);
  return {
    account_sid: recording.accountSid,
    api_version: API_VERSION,
    call_sid: recording.callSid,
    conference_sid: conferenceSid,
    date_created: rfc2822(recording.dateCreated),
    date_updated: rfc2822(recording.dateUpdated),
    start_time: recording.startTime && rfc2822(recording.startTime),
    duration: recording.duration === null ? null : String(recording.duration),
    sid: recording.sid,
    // Conclave knows nothing of what the platform charges.
    price: null,
    price_unit: null,
    status: recording.status,
    channels: Number(recording.channels ?? 1),
    source: recording.source ?? 'Conference',
    error_code: recording.errorCode === null ? null : Number(recording.errorCode),
    encryption_details: null,
    uri: `${path}/Recordings/${recording.sid}${suffix}`,
  };
}
