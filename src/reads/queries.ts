// What the REST side reads: conferences, participants and a conference's events, filtered and paged by
// keyset, newest first. A page asks for one row more than it shows, to know whether another page follows
// without counting. A cursor is a position, not an offset: rows added while a client pages never shift
// what it sees, and a deep page costs what the first one does.

import { type Selectable, sql } from 'kysely';
import { conferenceSidLowerBound } from '../domain/ids.js';
import type { Executor } from '../store/executor.js';
import type { ConferencesTable, EventsTable, ParticipantsTable, RecordingsTable } from '../store/schema.js';

export type ConferenceStatus = ConferencesTable['status'];
export type ParticipantStatus = ParticipantsTable['status'];

/** From (inclusive) and before (exclusive), in milliseconds. */
export interface TimeRange {
  from?: number;
  before?: number;
}

export interface ConferenceFilter {
  status?: ConferenceStatus;
  friendlyName?: string;
  created?: TimeRange;
  updated?: TimeRange;
  /** Conferences this call took part in. */
  callSid?: string;
  /** Conferences a call from or to this number took part in. */
  phoneNumber?: string;
}

export interface ParticipantFilter {
  status: string;
  muted?: boolean;
  hold?: boolean;
  coaching?: boolean;
}

/** `after` a key goes on to older rows, `before` it back to newer ones. */
export interface Cursor<Key> {
  direction: 'after' | 'before';
  key: Key;
}

export interface PageRequest<Key> {
  size: number;
  cursor: Cursor<Key> | null;
}

export interface Page<T> {
  items: T[];
  /** Whether more rows lie beyond this page in the direction of travel. */
  more: boolean;
}

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** A row with its column names in camelCase: the plain shape the rest of the code reads. */
type Camelized<Row> = { [Column in keyof Row & string as CamelCase<Column>]: Row[Column] };

// Column names are few and rows many: each name is converted once.
const camelNames = new Map<string, string>();

function camelized<Row extends object>(row: Row): Camelized<Row> {
  const out: Record<string, unknown> = {};
  for (const column in row) {
    let name = camelNames.get(column);
    if (name === undefined) {
      name = column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
      camelNames.set(column, name);
    }
    out[name] = row[column];
  }
  return out as Camelized<Row>;
}

function isBackward(request: PageRequest<unknown>): boolean {
  return request.cursor?.direction === 'before';
}

/** Rows come in the direction of travel, one too many; a page shows them newest first. */
function toPage<T>(rows: T[], request: PageRequest<unknown>): Page<T> {
  const items = rows.slice(0, request.size);
  if (isBackward(request)) items.reverse();
  return { items, more: rows.length > request.size };
}

const CONFERENCE_COLUMNS = [
  'account_sid',
  'sid',
  'friendly_name',
  'status',
  'region',
  'date_created',
  'date_updated',
  'reason_conference_ended',
  'call_sid_ending_conference',
  'platform_sid',
] as const;

/** `sid` is the Sid Conclave minted, the key of the conference's rows; `platformSid` the platform's. */
export type Conference = Camelized<Pick<Selectable<ConferencesTable>, (typeof CONFERENCE_COLUMNS)[number]>>;

/** The Sid a conference is shown by: the platform's once reported, else the one Conclave minted. */
export function shownSid(conference: { sid: string; platformSid: string | null }): string {
  return conference.platformSid ?? conference.sid;
}

/** The conference with this Sid, minted or the platform's; the minted one wins should both match. */
export async function findConference(
  executor: Executor,
  accountSid: string,
  sid: string,
): Promise<Conference | undefined> {
  const row = await executor
    .selectFrom('conferences')
    .select(CONFERENCE_COLUMNS)
    .where('account_sid', '=', accountSid)
    .where((eb) => eb.or([eb('sid', '=', sid), eb('platform_sid', '=', sid)]))
    .orderBy(sql`sid = ${sid}`, 'desc')
    .orderBy('sid', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && camelized(row);
}

// A Sid carries the time its conference was opened, which is its date_created: a creation-time range is a
// range of the primary key. Times before 1970 have no Sid; nothing was created then.
function sidAt(ms: number): string {
  return conferenceSidLowerBound(Math.max(0, ms));
}

/** The query behind a page of conferences; exported so that tests can EXPLAIN exactly what runs. */
export function conferencesPageQuery(
  executor: Executor,
  accountSid: string,
  filter: ConferenceFilter,
  request: PageRequest<string>,
) {
  const backward = isBackward(request);
  const { status, friendlyName, created, updated, callSid, phoneNumber } = filter;
  let query = executor
    .selectFrom('conferences')
    .select(CONFERENCE_COLUMNS)
    .where('account_sid', '=', accountSid);
  if (status !== undefined) query = query.where('status', '=', status);
  if (friendlyName !== undefined) query = query.where('friendly_name', '=', friendlyName);
  if (created?.from !== undefined) query = query.where('sid', '>=', sidAt(created.from));
  if (created?.before !== undefined) query = query.where('sid', '<', sidAt(created.before));
  if (updated?.from !== undefined) query = query.where('date_updated', '>=', new Date(updated.from));
  if (updated?.before !== undefined) query = query.where('date_updated', '<', new Date(updated.before));
  if (callSid !== undefined) {
    query = query.where('sid', 'in', (eb) =>
      eb
        .selectFrom('participants')
        .select('conference_sid')
        .where('account_sid', '=', accountSid)
        .where('call_sid', '=', callSid),
    );
  }
  if (phoneNumber !== undefined) {
    query = query.where('sid', 'in', (eb) =>
      eb
        .selectFrom('participants')
        .select('conference_sid')
        .where('account_sid', '=', accountSid)
        .where((p) => p.or([p('from_number', '=', phoneNumber), p('to_number', '=', phoneNumber)])),
    );
  }
  if (request.cursor) query = query.where('sid', backward ? '>' : '<', request.cursor.key);
  return query.orderBy('sid', backward ? 'asc' : 'desc').limit(request.size + 1);
}

export async function listConferences(
  executor: Executor,
  accountSid: string,
  filter: ConferenceFilter,
  request: PageRequest<string>,
): Promise<Page<Conference>> {
  // Pages are keyed by minted Sid, which orders conferences by creation; a token built from the Sid a
  // client was shown (the platform's) is keyed by its conference's minted Sid.
  const key = request.cursor?.key;
  const keyed = key === undefined ? undefined : await findConference(executor, accountSid, key);
  if (request.cursor && keyed) request = { ...request, cursor: { ...request.cursor, key: keyed.sid } };
  const rows = await conferencesPageQuery(executor, accountSid, filter, request).execute();
  return toPage(rows.map(camelized), request);
}

const PARTICIPANT_COLUMNS = [
  'account_sid',
  'conference_sid',
  'call_sid',
  'label',
  'status',
  'muted',
  'hold',
  'coaching',
  'call_sid_to_coach',
  'start_conference_on_enter',
  'end_conference_on_exit',
  'date_created',
  'date_updated',
  'date_left',
  'left_reason',
] as const;

export type Participant = Camelized<
  Pick<Selectable<ParticipantsTable>, (typeof PARTICIPANT_COLUMNS)[number]>
>;

function participantsOf(executor: Executor, accountSid: string, conferenceSid: string, status: string) {
  return executor
    .selectFrom('participants')
    .select(PARTICIPANT_COLUMNS)
    .where('account_sid', '=', accountSid)
    .where('conference_sid', '=', conferenceSid)
    .where('status', '=', status as ParticipantStatus);
}

export type ParticipantKey = { callSid: string } | { label: string };

/** The participant with this CallSid or label and status; for a label reused over time, the newest. */
export async function findParticipant(
  executor: Executor,
  accountSid: string,
  conferenceSid: string,
  key: ParticipantKey,
  status: string,
): Promise<Participant | undefined> {
  const query = participantsOf(executor, accountSid, conferenceSid, status);
  const row = await ('callSid' in key
    ? query.where('call_sid', '=', key.callSid)
    : query.where('label', '=', key.label)
  )
    .orderBy('date_created', 'desc')
    .orderBy('call_sid', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && camelized(row);
}

/**
 * A page of a conference's participants, newest join first (ties broken by CallSid). The cursor is a
 * CallSid of this conference; undefined when it names none.
 */
export async function listParticipants(
  executor: Executor,
  accountSid: string,
  conferenceSid: string,
  filter: ParticipantFilter,
  request: PageRequest<string>,
): Promise<Page<Participant> | undefined> {
  const backward = isBackward(request);
  let query = participantsOf(executor, accountSid, conferenceSid, filter.status);
  if (filter.muted !== undefined) query = query.where('muted', '=', filter.muted);
  if (filter.hold !== undefined) query = query.where('hold', '=', filter.hold);
  if (filter.coaching !== undefined) query = query.where('coaching', '=', filter.coaching);
  if (request.cursor) {
    const at = await executor
      .selectFrom('participants')
      .select(['date_created', 'call_sid'])
      .where('account_sid', '=', accountSid)
      .where('conference_sid', '=', conferenceSid)
      .where('call_sid', '=', request.cursor.key)
      .executeTakeFirst();
    if (!at) return undefined;
    query = query.where((eb) =>
      eb(
        eb.refTuple('date_created', 'call_sid'),
        backward ? '>' : '<',
        eb.tuple(at.date_created, at.call_sid),
      ),
    );
  }
  const order = backward ? 'asc' : 'desc';
  const rows = await query
    .orderBy('date_created', order)
    .orderBy('call_sid', order)
    .limit(request.size + 1)
    .execute();
  return toPage(rows.map(camelized), request);
}

const EVENT_COLUMNS = ['id', 'type', 'data', 'recorded_at'] as const;

export type ConferenceEvent = Camelized<Pick<Selectable<EventsTable>, (typeof EVENT_COLUMNS)[number]>>;

// Matches the expression of the events_by_conference index, so that a conference's history is a range scan.
const eventConference = sql<string>`data ->> 'conferenceSid'`;

/**
 * A page of the events of one conference, newest first, in the order they were appended. The cursor is an
 * event id of this conference; undefined when it names none.
 */
export async function listConferenceEvents(
  executor: Executor,
  accountSid: string,
  conferenceSid: string,
  request: PageRequest<string>,
): Promise<Page<ConferenceEvent> | undefined> {
  const backward = isBackward(request);
  let query = executor
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('account_sid', '=', accountSid)
    .where(eventConference, '=', conferenceSid);
  if (request.cursor) {
    const at = await executor
      .selectFrom('events')
      .select('global_position')
      .where('account_sid', '=', accountSid)
      .where('id', '=', request.cursor.key)
      .where(eventConference, '=', conferenceSid)
      .executeTakeFirst();
    if (!at) return undefined;
    query = query.where('global_position', backward ? '>' : '<', at.global_position as never);
  }
  const rows = await query
    .orderBy('global_position', backward ? 'asc' : 'desc')
    .limit(request.size + 1)
    .execute();
  return toPage(rows.map(camelized), request);
}

const RECORDING_COLUMNS = [
  'account_sid',
  'sid',
  'conference_sid',
  'call_sid',
  'status',
  'duration',
  'channels',
  'source',
  'start_time',
  'error_code',
  'date_created',
  'date_updated',
] as const;

export type Recording = Camelized<Pick<Selectable<RecordingsTable>, (typeof RECORDING_COLUMNS)[number]>>;

/** A recording of the conference whose minted Sid is `conferenceSid`. */
export async function findRecording(
  executor: Executor,
  accountSid: string,
  conferenceSid: string,
  sid: string,
): Promise<Recording | undefined> {
  const row = await executor
    .selectFrom('recordings')
    .select(RECORDING_COLUMNS)
    .where('account_sid', '=', accountSid)
    .where('conference_sid', '=', conferenceSid)
    .where('sid', '=', sid)
    .executeTakeFirst();
  return row && camelized(row);
}

/**
 * A page of a conference's recordings, newest first (ties broken by Sid), filtered by creation time. The
 * cursor is a recording Sid of this conference; undefined when it names none.
 */
export async function listRecordings(
  executor: Executor,
  accountSid: string,
  conferenceSid: string,
  created: TimeRange | undefined,
  request: PageRequest<string>,
): Promise<Page<Recording> | undefined> {
  const backward = isBackward(request);
  let query = executor
    .selectFrom('recordings')
    .select(RECORDING_COLUMNS)
    .where('account_sid', '=', accountSid)
    .where('conference_sid', '=', conferenceSid);
  if (created?.from !== undefined) query = query.where('date_created', '>=', new Date(created.from));
  if (created?.before !== undefined) query = query.where('date_created', '<', new Date(created.before));
  if (request.cursor) {
    const at = await findRecording(executor, accountSid, conferenceSid, request.cursor.key);
    if (!at) return undefined;
    query = query.where((eb) =>
      eb(eb.refTuple('date_created', 'sid'), backward ? '>' : '<', eb.tuple(at.dateCreated, at.sid)),
    );
  }
  const order = backward ? 'asc' : 'desc';
  const rows = await query
    .orderBy('date_created', order)
    .orderBy('sid', order)
    .limit(request.size + 1)
    .execute();
  return toPage(rows.map(camelized), request);
}
