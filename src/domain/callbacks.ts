// The conference callbacks Twilio would send the app, derived from Conclave's events. The events of one
// conference are folded in order through `callbacksFor`: it keeps what a later event needs to be told
// apart (a participant's flags before a mute, the label of the call that ended the conference), numbers
// the callbacks per conference as Twilio's SequenceNumber does, and yields each callback's parameters.
// Adding an event type is one more case here.

import type { ParticipantFlags, RecordingReported, ReportedTime, RoomEvent } from './events.js';
import { withEntry, withoutEntry } from './records.js';

/** The names `statusCallbackEvent` takes in TwiML, each standing for one or two callback events. */
export const STATUS_CALLBACK_SUBSCRIPTIONS = [
  'start',
  'end',
  'join',
  'leave',
  'mute',
  'hold',
  'modify',
  'speaker',
  'announcement',
] as const;
export type StatusCallbackSubscription = (typeof STATUS_CALLBACK_SUBSCRIPTIONS)[number];

export const RECORDING_STATUS_CALLBACK_EVENTS = ['in-progress', 'completed', 'absent', 'failed'] as const;
export type RecordingStatusCallbackEvent = (typeof RECORDING_STATUS_CALLBACK_EVENTS)[number];

export type CallbackMethod = 'GET' | 'POST';

export interface CallbackTarget<Event extends string> {
  url: string;
  method: CallbackMethod;
  events: Event[];
}

/** What the app asked for in its voice URL; the first participant's request is the conference's. */
export interface AppCallbacks {
  statusCallback: CallbackTarget<StatusCallbackSubscription> | null;
  recordingStatusCallback: CallbackTarget<RecordingStatusCallbackEvent> | null;
}

interface ParticipantView extends ParticipantFlags {
  label: string | null;
  startConferenceOnEnter: boolean;
}

/** What the fold remembers of one conference. */
export interface CallbackConference {
  /** The last SequenceNumber given. */
  sequence: number;
  /** Fixed by the first participant to join; null until one has, or when it asked for none. */
  subscription: AppCallbacks | null;
  firstJoined: boolean;
  /** Those connected, those gone who end the conference on leaving, and `lastGone` (its end names them). */
  participants: { [callSid: string]: ParticipantView };
  /** The last to leave who does not end the conference on leaving, until another leaves or it rejoins. */
  lastGone?: string | null;
}

export const NEW_CALLBACK_CONFERENCE: CallbackConference = {
  sequence: 0,
  subscription: null,
  firstJoined: false,
  participants: {},
};

/**
 * One callback as Twilio would send it, before it is addressed to anyone: a conference status callback
 * (to `statusCallback`) or a recording status callback (to `recordingStatusCallback`).
 */
export type ConferenceCallback =
  | {
      channel: 'status';
      /** The `statusCallbackEvent` subscription that asks for it. */
      subscription: StatusCallbackSubscription;
      /** StatusCallbackEvent. */
      name: string;
      /** Orders the conference's callbacks; Twilio's SequenceNumber for status callbacks. */
      sequenceNumber: number;
      params: { [name: string]: string };
    }
  | {
      channel: 'recording';
      /** The `recordingStatusCallbackEvent` that asks for it. */
      subscription: RecordingStatusCallbackEvent;
      /** `recording-` and the RecordingStatus, as Conclave lists it. */
      name: string;
      sequenceNumber: number;
      params: { [name: string]: string };
    };

export interface CallbackContext {
  accountSid: string;
  friendlyName: string;
  /** An event's time (ISO 8601) as Twilio writes Timestamp (RFC 2822). */
  timestamp(at: string): string;
}

export function callbacksFor(
  state: CallbackConference,
  event: RoomEvent,
  context: CallbackContext,
): { state: CallbackConference; callbacks: ConferenceCallback[] } {
  const out: ConferenceCallback[] = [];
  let next = state;
  const emit = (
    subscription: StatusCallbackSubscription,
    name: string,
    conferenceSid: string,
    at: string,
    extra: { [name: string]: string },
  ) => {
    next = { ...next, sequence: next.sequence + 1 };
    out.push({
      channel: 'status',
      subscription,
      name,
      sequenceNumber: next.sequence,
      params: {
        AccountSid: context.accountSid,
        ConferenceSid: conferenceSid,
        FriendlyName: context.friendlyName,
        StatusCallbackEvent: name,
        Timestamp: context.timestamp(at),
        SequenceNumber: String(next.sequence),
        ...extra,
      },
    });
  };
  switch (event.type) {
    case 'ParticipantJoined': {
      const { data } = event;
      const view: ParticipantView = {
        muted: data.muted,
        hold: data.hold,
        coaching: data.coaching,
        callSidToCoach: data.callSidToCoach,
        endConferenceOnExit: data.endConferenceOnExit,
        label: data.label,
        startConferenceOnEnter: data.startConferenceOnEnter,
      };
      if (!next.firstJoined) {
        next = { ...next, firstJoined: true, subscription: data.callbacks ?? null };
      }
      next = { ...next, participants: withEntry(next.participants, data.callSid, view) };
      if (next.lastGone === data.callSid) next = { ...next, lastGone: null };
      emit(
        'join',
        'participant-join',
        data.conferenceSid,
        timeOf(data),
        participantParams(data.callSid, view),
      );
      break;
    }
    case 'ConferenceStarted':
      emit('start', 'conference-start', event.data.conferenceSid, timeOf(event.data), {});
      break;
    case 'ParticipantUpdated': {
      const { data } = event;
      const before = next.participants[data.callSid];
      if (!before) break;
      const after: ParticipantView = { ...before, ...flagsOf(data) };
      next = { ...next, participants: withEntry(next.participants, data.callSid, after) };
      const params = participantParams(data.callSid, after);
      const at = timeOf(data);
      if (after.muted !== before.muted) {
        emit('mute', after.muted ? 'participant-mute' : 'participant-unmute', data.conferenceSid, at, params);
      }
      if (after.hold !== before.hold) {
        emit('hold', after.hold ? 'participant-hold' : 'participant-unhold', data.conferenceSid, at, params);
      }
      if (
        after.coaching !== before.coaching ||
        after.callSidToCoach !== before.callSidToCoach ||
        after.endConferenceOnExit !== before.endConferenceOnExit
      ) {
        emit('modify', 'participant-modify', data.conferenceSid, at, params);
      }
      break;
    }
    case 'ParticipantLeft': {
      const { data } = event;
      const view = next.participants[data.callSid];
      if (!view) break;
      // The platform's own words where its participant-leave gave them; otherwise what Conclave knows.
      const reason =
        data.platform?.reasonParticipantLeft ??
        (data.reason === 'conference-ended' && data.endReason === 'conference-ended-via-api'
          ? 'conference_ended_via_api'
          : LEAVE_REASONS[data.reason]);
      const hungUp =
        data.reason === 'hung-up' || data.reason === 'timed-out' || reason === 'participant_hung_up';
      const callStatus = data.platform?.participantCallStatus ?? (hungUp ? 'completed' : 'in-progress');
      // The end names who ended it: one who ends it on leaving, or the last to leave. Anyone else gone is
      // forgotten once another leaves after them, which keeps a long conference's state, and the cost of each
      // event, to who is in it.
      const forgotten = next.lastGone;
      if (forgotten && forgotten !== data.callSid) {
        next = { ...next, participants: withoutEntry(next.participants, forgotten) };
      }
      next = { ...next, lastGone: view.endConferenceOnExit ? null : data.callSid };
      emit('leave', 'participant-leave', data.conferenceSid, timeOf(data), {
        ...participantParams(data.callSid, view),
        ParticipantCallStatus: callStatus,
        ...(reason ? { ReasonParticipantLeft: reason } : {}),
      });
      break;
    }
    case 'ConferenceEnded': {
      const { data } = event;
      const ender = data.callSidEndingConference;
      const label = ender ? next.participants[ender]?.label : null;
      emit('end', 'conference-end', data.conferenceSid, timeOf(data), {
        ...(data.reason ? { ReasonConferenceEnded: data.reason } : {}),
        ...(data.reasonText ? { Reason: data.reasonText } : {}),
        ...(ender ? { CallSidEndingConference: ender } : {}),
        ...(label ? { ParticipantLabelEndingConference: label } : {}),
      });
      break;
    }
    case 'RecordingReported': {
      const { data } = event;
      // Twilio sends a recording's callbacks for the statuses asked for; a paused or stopped recording is
      // none of those.
      const status = RECORDING_STATUS_CALLBACK_EVENTS.find((known) => known === data.status);
      if (status === undefined) break;
      next = { ...next, sequence: next.sequence + 1 };
      out.push({
        channel: 'recording',
        subscription: status,
        name: `recording-${status}`,
        sequenceNumber: next.sequence,
        params: recordingParams(context.accountSid, data.conferenceSid, data, context),
      });
      break;
    }
    case 'ConferenceOpened':
    // The platform's Sid replaces the minted one when a callback is sent (store/callbacks.ts), so that one
    // made before the platform reported it is sent with it too.
    case 'ConferenceSidReported':
    case 'ConferenceEndCorrected':
    case 'CallEnded':
    case 'JoinRejected':
    case 'UnknownCallLeft':
    case 'ParticipantUpdateArrivedEarly':
      break;
  }
  return { state: next, callbacks: out };
}

/** The parameters of a conference recording's status callback, as Twilio names them. */
function recordingParams(
  accountSid: string,
  conferenceSid: string,
  data: RecordingReported['data'],
  context: CallbackContext,
): { [name: string]: string } {
  const present = (value: string | number | null) => (value === null ? undefined : String(value));
  const params: { [name: string]: string | undefined } = {
    AccountSid: accountSid,
    ConferenceSid: conferenceSid,
    RecordingSid: data.recordingSid,
    RecordingStatus: data.status,
    RecordingUrl: present(data.url),
    RecordingDuration: present(data.duration),
    RecordingChannels: present(data.channels),
    RecordingSource: present(data.source),
    RecordingStartTime: data.startTime === null ? undefined : context.timestamp(data.startTime),
    ErrorCode: present(data.errorCode),
    CallSid: present(data.callSid),
  };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as {
    [name: string]: string;
  };
}

/**
 * Twilio's ReasonParticipantLeft where Conclave knows it: a call hung up, a conference ended by a moderator
 * (through the API, `conference_ended_via_api`, above), a call moved elsewhere by an update of the call
 * through the API. Leaving by the end of the <Dial> or by a lost leave (timed out) has no value of Twilio's.
 */
const LEAVE_REASONS: { [reason: string]: string | undefined } = {
  'hung-up': 'participant_hung_up',
  'conference-ended': 'moderator_ended_conference',
  moved: 'participant_updated_via_api',
};

/** Twilio's Timestamp is the platform's time: where the platform reported the event, its own. */
function timeOf(data: { at: string } & ReportedTime): string {
  return data.reportedAt ?? data.at;
}

function flagsOf(flags: ParticipantFlags): ParticipantFlags {
  return {
    muted: flags.muted,
    hold: flags.hold,
    coaching: flags.coaching,
    callSidToCoach: flags.callSidToCoach,
    endConferenceOnExit: flags.endConferenceOnExit,
  };
}

function participantParams(callSid: string, view: ParticipantView): { [name: string]: string } {
  return {
    CallSid: callSid,
    Muted: String(view.muted),
    Hold: String(view.hold),
    Coaching: String(view.coaching),
    EndConferenceOnExit: String(view.endConferenceOnExit),
    StartConferenceOnEnter: String(view.startConferenceOnEnter),
    ...(view.label !== null ? { ParticipantLabel: view.label } : {}),
    ...(view.coaching && view.callSidToCoach ? { CallSidToCoach: view.callSidToCoach } : {}),
  };
}

/** Where the app asked for callbacks of this kind to go, if it asked for this one. */
export function targetOf(
  subscription: AppCallbacks | null,
  callback: ConferenceCallback,
): CallbackTarget<string> | null {
  const target =
    callback.channel === 'status' ? subscription?.statusCallback : subscription?.recordingStatusCallback;
  return target && (target.events as string[]).includes(callback.subscription) ? target : null;
}

/**
 * Whether callbacks can be sent to `text`: an absolute http(s) URL (a relative one would resolve against
 * Conclave, not the app), whose credentials, if any, decode (they are sent decoded, as HTTP Basic auth).
 */
export function isCallbackUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    return true;
  } catch {
    return false;
  }
}

/** A URL with its credentials (HTTP Basic auth for the app) masked, for showing: they are a secret. */
export function redactUrl(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.password !== '') url.password = '***';
  // A user name alone is how some services take a token (https://TOKEN@host/).
  else if (url.username !== '') url.username = '***';
  else return text;
  return url.href;
}

/**
 * `text`, which was meant as a URL but may not read as one, with anything that could be credentials masked:
 * what `redactUrl` masks, and else whatever stands before an '@' where a host would be (a URL whose scheme
 * was left out, `user:secret@host`, reads as the scheme `user:`, with no user name or password).
 */
export function redactUrlLike(text: string): string {
  const redacted = redactUrl(text);
  if (redacted !== text) return redacted;
  return text.replace(/^((?:[a-z][a-z\d+.-]*:)?\/*)[^/?#@]*@/i, '$1***@');
}

/** The app's callbacks with any password in their URLs masked, for showing. */
export function redactCallbacks(callbacks: AppCallbacks): AppCallbacks {
  const redact = <T extends { url: string }>(target: T | null): T | null =>
    target && { ...target, url: redactUrl(target.url) };
  return {
    statusCallback: redact(callbacks.statusCallback),
    recordingStatusCallback: redact(callbacks.recordingStatusCallback),
  };
}
