// The list filters Twilio defines, and the ones Conclave adds (CallSid and PhoneNumber on Conferences,
// Status on Participants). Each filter read is remembered with the value as given, so that the paging URIs
// carry the filters on to the next page.

import type { ConferenceFilter, ParticipantFilter, TimeRange } from '../reads/index.js';
import type { EchoedParams } from './paging.js';
import { parseBoolean, parseDay, parseEnum, parseSid, type QueryParams } from './parameters.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// Nothing is dated after 9999 (where ISO 8601 and PostgreSQL part ways): a range ending later has no end.
const AFTER_9999 = Date.UTC(10000, 0, 1);

const CONFERENCE_STATUSES = ['init', 'in-progress', 'completed'] as const;
const PARTICIPANT_STATUSES = ['queued', 'connecting', 'ringing', 'connected', 'complete', 'failed'] as const;

export interface Filters<F> {
  filter: F;
  params: EchoedParams;
}

class Reader {
  readonly params: EchoedParams = [];
  constructor(private readonly query: QueryParams) {}

  read<T>(name: string, parse: (name: string, value: string) => T): T | undefined {
    const value = this.query.get(name);
    if (value === undefined) return undefined;
    const parsed = parse(name, value);
    this.params.push([name, value]);
    return parsed;
  }
}

const asIs = (_name: string, value: string) => value;

/**
 * `Date`, `Date<` and `Date>` for one date field, as one range: a day is the whole UTC day, and both
 * inequalities include the day they name.
 */
function dayRange(reader: Reader, field: 'DateCreated' | 'DateUpdated'): TimeRange | undefined {
  const on = reader.read(field, parseDay);
  const onOrBefore = reader.read(`${field}<`, parseDay);
  const onOrAfter = reader.read(`${field}>`, parseDay);
  const starts = [on, onOrAfter].filter((day) => day !== undefined);
  const ends = [on, onOrBefore].filter((day) => day !== undefined).map((day) => day + DAY_MS);
  if (starts.length === 0 && ends.length === 0) return undefined;
  const before = Math.min(...ends);
  return {
    ...(starts.length > 0 ? { from: Math.max(...starts) } : {}),
    ...(before < AFTER_9999 ? { before } : {}),
  };
}

export function conferenceFilters(query: QueryParams): Filters<ConferenceFilter> {
  const reader = new Reader(query);
  const filter: ConferenceFilter = {
    status: reader.read('Status', (name, value) => parseEnum(name, CONFERENCE_STATUSES, value)),
    friendlyName: reader.read('FriendlyName', asIs),
    created: dayRange(reader, 'DateCreated'),
    updated: dayRange(reader, 'DateUpdated'),
    callSid: reader.read('CallSid', (name, value) => parseSid(name, 'CA', value)),
    phoneNumber: reader.read('PhoneNumber', asIs),
  };
  return { filter, params: reader.params };
}

export interface ParticipantSelection extends Filters<ParticipantFilter> {
  /** Status was asked for: the caller wants history, and gets when each participant left. */
  history: boolean;
}

// Twilio shows only the participants connected now. Asking for a Status is Conclave's extension: it
// reaches participants who have left too.
function readStatus(reader: Reader): { status: string; history: boolean } {
  const status = reader.read('Status', (name, value) => parseEnum(name, PARTICIPANT_STATUSES, value));
  return { status: status ?? 'connected', history: status !== undefined };
}

/** The Status a participant fetch asks for. */
export function participantStatus(query: QueryParams): { status: string; history: boolean } {
  return readStatus(new Reader(query));
}

export function participantFilters(query: QueryParams): ParticipantSelection {
  const reader = new Reader(query);
  const { status, history } = readStatus(reader);
  const filter: ParticipantFilter = {
    status,
    muted: reader.read('Muted', parseBoolean),
    hold: reader.read('Hold', parseBoolean),
    coaching: reader.read('Coaching', parseBoolean),
  };
  return { filter, params: reader.params, history };
}

/** The recordings of a conference, by when they were created, as Twilio filters them. */
export function recordingFilters(query: QueryParams): Filters<{ created: TimeRange | undefined }> {
  const reader = new Reader(query);
  return { filter: { created: dayRange(reader, 'DateCreated') }, params: reader.params };
}
