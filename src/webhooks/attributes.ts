// The <Conference> attributes a voice webhook carries in its query, under their TwiML names, with Twilio's
// defaults and ranges. All of them go back into the TwiML; those that shape the conference go into the join.

import type { Beep, JoinAttributes, Record as RecordMode, Trim } from '../domain/events.js';
import { badRequest } from './errors.js';
import type { WebhookParams } from './parameters.js';

const BEEPS: readonly Beep[] = ['true', 'false', 'onEnter', 'onExit'];
const RECORDS: readonly RecordMode[] = ['do-not-record', 'record-from-start'];
const TRIMS: readonly Trim[] = ['trim-silence', 'do-not-trim'];
const REGIONS = ['us1', 'us2', 'ie1', 'de1', 'sg1', 'br1', 'au1', 'jp1'] as const;
const JITTER_BUFFER_SIZES = ['small', 'medium', 'large', 'off'] as const;
const METHODS = ['GET', 'POST'] as const;

const MIN_PARTICIPANTS = 2;
const MAX_PARTICIPANTS = 250;

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

export function parseConferenceAttributes(params: WebhookParams, publicUrl: string): ConferenceAttributes {
  const d = DEFAULT_ATTRIBUTES;
  return {
    muted: params.boolean('muted') ?? d.muted,
    beep: params.choice('beep', BEEPS) ?? d.beep,
    startConferenceOnEnter: params.boolean('startConferenceOnEnter') ?? d.startConferenceOnEnter,
    endConferenceOnExit: params.boolean('endConferenceOnExit') ?? d.endConferenceOnExit,
    maxParticipants:
      params.integer('maxParticipants', MIN_PARTICIPANTS, MAX_PARTICIPANTS) ?? d.maxParticipants,
    participantLabel: params.name('participantLabel') ?? d.participantLabel,
    coach: params.sid('coach', 'CA') ?? d.coach,
    waitUrl: waitUrl(params, publicUrl),
    waitMethod: params.choice('waitMethod', METHODS) ?? d.waitMethod,
    record: params.choice('record', RECORDS) ?? d.record,
    trim: params.choice('trim', TRIMS) ?? d.trim,
    region: params.choice('region', REGIONS) ?? d.region,
    jitterBufferSize: params.choice('jitterBufferSize', JITTER_BUFFER_SIZES) ?? d.jitterBufferSize,
  };
}

/** Twilio resolves a relative waitUrl against the URL it requested, so relative ones are fine too. */
function waitUrl(params: WebhookParams, publicUrl: string): string | null {
  const value = params.text('waitUrl');
  if (value === undefined || value === '') return value ?? DEFAULT_ATTRIBUTES.waitUrl;
  let url: URL;
  try {
    url = new URL(value, publicUrl);
  } catch {
    throw badRequest('waitUrl is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest('waitUrl is not an http(s) URL');
  return value;
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
