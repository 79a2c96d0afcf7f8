// The <Conference> attributes a voice webhook carries in its query, under their TwiML names, with Twilio's
// defaults and ranges. All of them go back into the TwiML; those that shape the conference go into the join.
// A value Twilio would not take gets what Twilio gives it (its error dictionary, 132xx and 160xx): most are
// warnings, after which the default applies and the call goes on; a few fail the join (16002 for
// maxParticipants, 16023 for participantLabel, 13240 for coach), and then the call does not join at all.

import {
  type AppCallbacks,
  type CallbackTarget,
  isCallbackUrl,
  RECORDING_STATUS_CALLBACK_EVENTS,
  redactUrlLike,
  STATUS_CALLBACK_SUBSCRIPTIONS,
} from '../domain/callbacks.js';
import type { AttributeFailure } from '../domain/commands.js';
import type { AttributeWarning, Beep, JoinAttributes, Record as RecordMode, Trim } from '../domain/events.js';
import { isSid } from '../domain/ids.js';
import { sidValue } from '../parameters.js';
import type { WebhookParams } from './parameters.js';

const BEEPS: readonly Beep[] = ['true', 'false', 'onEnter', 'onExit'];
const RECORDS: readonly RecordMode[] = ['do-not-record', 'record-from-start'];
const REGIONS = ['us1', 'us2', 'ie1', 'de1', 'sg1', 'br1', 'au1', 'jp1'] as const;
const JITTER_BUFFER_SIZES = ['small', 'medium', 'large', 'off'] as const;
const METHODS = ['GET', 'POST'] as const;

const MIN_PARTICIPANTS = 2;
const MAX_PARTICIPANTS = 250;
const MAX_LABEL_LENGTH = 128;

export interface ConferenceAttributes {
  muted: boolean;
  beep: Beep;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  maxParticipants: number;
  participantLabel: string | null;
  coach: string | null;
  /** `''` is Twilio's way of asking for silence while waiting; null leaves Twilio's own music. */
  waitUrl: string | null;
  waitMethod: (typeof METHODS)[number];
  record: RecordMode;
  trim: Trim;
  region: (typeof REGIONS)[number] | null;
  jitterBufferSize: (typeof JITTER_BUFFER_SIZES)[number];
}

/** Twilio's defaults: what a call gets for every attribute its request leaves out. */
export const DEFAULT_ATTRIBUTES: ConferenceAttributes = {
  muted: false,
  beep: 'true',
  startConferenceOnEnter: true,
  endConferenceOnExit: false,
  maxParticipants: MAX_PARTICIPANTS,
  participantLabel: null,
  coach: null,
  waitUrl: null,
  waitMethod: 'POST',
  record: 'do-not-record',
  trim: 'trim-silence',
  region: null,
  jitterBufferSize: 'large',
};

/** The attributes a voice request asked for, what Twilio would warn about, and what would fail the join. */
export interface ParsedAttributes {
  attributes: ConferenceAttributes;
  warnings: AttributeWarning[];
  failure: AttributeFailure | null;
}

const bool = (value: string) => (value === 'true' ? true : value === 'false' ? false : undefined);
const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (value: string) =>
    (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
// Twilio takes true and false for trim too (its 13239 says so).
const trim = (value: string): Trim | undefined =>
  value === 'true'
    ? 'trim-silence'
    : value === 'false'
      ? 'do-not-trim'
      : oneOf<Trim>(['trim-silence', 'do-not-trim'])(value);
const method = (value: string) => oneOf(METHODS)(value.toUpperCase());

function maxParticipants(value: string): number | undefined {
  const n = Number(value);
  return /^\d{1,3}$/.test(value) && n >= MIN_PARTICIPANTS && n <= MAX_PARTICIPANTS ? n : undefined;
}

// Twilio's 16023: at most 128 characters, no '/', and nothing that could be taken for a CallSid, since a
// participant is fetched by either in the same path segment.
function label(value: string): string | undefined {
  return [...value].length <= MAX_LABEL_LENGTH && !value.includes('/') && !isSid('CA', value)
    ? value
    : undefined;
}

/** Twilio resolves a relative waitUrl against the URL it requested, so relative ones are fine too. */
function waitUrl(publicUrl: string) {
  return (value: string): string | undefined => {
    try {
      const url = new URL(value, publicUrl);
      return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
    } catch {
      return undefined;
    }
  };
}

export function parseConferenceAttributes(params: WebhookParams, publicUrl: string): ParsedAttributes {
  const d = DEFAULT_ATTRIBUTES;
  const warnings: AttributeWarning[] = [];
  let failure: AttributeFailure | null = null;
  // A value Twilio only warns about: the default applies.
  const warned = <T>(
    name: string,
    parse: (value: string) => T | undefined,
    code: number | null,
    fallback: T,
  ) => {
    const value = params.text(name);
    if (value === undefined) return fallback;
    const parsed = parse(value);
    if (parsed !== undefined) return parsed;
    // Kept with the join, logged and served by the Events API: a mistyped waitUrl's credentials are not.
    warnings.push({ attribute: name, value: redactUrlLike(value), code });
    return fallback;
  };
  // A value with which Twilio fails the join: the first such one is the reason given.
  const failed = <T>(name: string, parse: (value: string) => T | undefined, code: number, fallback: T) => {
    const value = params.text(name);
    if (value === undefined) return fallback;
    const parsed = parse(value);
    if (parsed !== undefined) return parsed;
    failure ??= { code, message: `${name} '${[...value].slice(0, 40).join('')}' is not valid` };
    return fallback;
  };
  const attributes: ConferenceAttributes = {
    muted: warned('muted', bool, 13230, d.muted),
    beep: warned('beep', oneOf(BEEPS), 13235, d.beep),
    startConferenceOnEnter: warned('startConferenceOnEnter', bool, 13232, d.startConferenceOnEnter),
    endConferenceOnExit: warned('endConferenceOnExit', bool, 13231, d.endConferenceOnExit),
    maxParticipants: failed('maxParticipants', maxParticipants, 16002, d.maxParticipants),
    participantLabel: failed('participantLabel', label, 16023, d.participantLabel),
    coach: failed('coach', sidValue('CA').read, 13240, d.coach),
    // An empty waitUrl asks for silence, so it is read as sent.
    waitUrl: params.raw('waitUrl') === '' ? '' : warned('waitUrl', waitUrl(publicUrl), 13233, d.waitUrl),
    waitMethod: warned('waitMethod', method, 13234, d.waitMethod),
    record: warned('record', oneOf(RECORDS), null, d.record),
    trim: warned('trim', trim, 13239, d.trim),
    region: warned('region', oneOf(REGIONS), null, d.region),
    jitterBufferSize: warned('jitterBufferSize', oneOf(JITTER_BUFFER_SIZES), null, d.jitterBufferSize),
  };
  return { attributes, warnings, failure };
}

export function joinAttributes(attributes: ConferenceAttributes): JoinAttributes {
  return {
    label: attributes.participantLabel,
    muted: attributes.muted,
    beep: attributes.beep,
    startConferenceOnEnter: attributes.startConferenceOnEnter,
    endConferenceOnExit: attributes.endConferenceOnExit,
    callSidToCoach: attributes.coach,
    maxParticipants: attributes.maxParticipants,
    region: attributes.region,
    record: attributes.record,
    trim: attributes.trim,
  };
}

/** Twilio's code for a `statusCallbackEvent` it does not know ("Invalid 'StatusCallbackEvent'"). */
const INVALID_STATUS_CALLBACK_EVENT = 21626;

/**
 * The callbacks the app asks for with the TwiML names Twilio gives them. Conclave's own TwiML points the
 * platform at Conclave, so these are never echoed: they are kept with the join and served by Conclave.
 * Without `…Event`, Twilio's defaults apply (`start end` for the conference, `completed` for recordings).
 * A value Twilio would not take fails the join, as it fails the <Conference> on Twilio.
 */
export function parseAppCallbacks(params: WebhookParams): {
  callbacks: AppCallbacks | undefined;
  failure: AttributeFailure | null;
} {
  const status = callbackTarget(params, 'statusCallback', STATUS_CALLBACK_SUBSCRIPTIONS, ['start', 'end']);
  const recording = callbackTarget(params, 'recordingStatusCallback', RECORDING_STATUS_CALLBACK_EVENTS, [
    'completed',
  ]);
  const failure = status.failure ?? recording.failure;
  if (failure !== null || (status.target === null && recording.target === null))
    return { callbacks: undefined, failure };
  return {
    callbacks: { statusCallback: status.target, recordingStatusCallback: recording.target },
    failure: null,
  };
}

function callbackTarget<Event extends string>(
  params: WebhookParams,
  name: string,
  allowed: readonly Event[],
  defaults: Event[],
): { target: CallbackTarget<Event> | null; failure: AttributeFailure | null } {
  const fail = (code: number | null, message: string) => ({ target: null, failure: { code, message } });
  const url = params.text(name);
  const words = params.words(`${name}Event`);
  const unknown = words?.find((word) => !(allowed as readonly string[]).includes(word));
  if (unknown !== undefined)
    return fail(
      INVALID_STATUS_CALLBACK_EVENT,
      `${name}Event '${[...unknown].slice(0, 40).join('')}' is not valid`,
    );
  const methodText = params.text(`${name}Method`);
  const method = methodText === undefined ? 'POST' : METHODS.find((m) => m === methodText.toUpperCase());
  if (method === undefined) return fail(null, `${name}Method is not GET or POST`);
  if (url === undefined || url === '') return { target: null, failure: null };
  if (!isCallbackUrl(url)) return fail(null, `${name} is not an absolute http(s) URL`);
  const events = words === undefined || words.length === 0 ? defaults : ([...new Set(words)] as Event[]);
  return { target: { url, method, events }, failure: null };
}
