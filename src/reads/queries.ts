// What the REST side reads: conferences, participants and a conference's events, filtered and paged by
// keyset, newest first. A page asks for one row more than it shows, to know whether another page follows
// without counting. A cursor is a position, not an offset: rows added while a client pages never shift
// what it sees, and a deep page costs what the first one does.

import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { conferenceSidLowerBound } from '../domain/ids.js';
import { preparedQuery } from '../store/prepared.js';
import type { ReadDB } from './camel-case.js';
import type {
  Conference,
  ConferenceEvent,
  ConferenceStatus,
  ParticipantRecord,
  ParticipantStatus,
  Recording,
} from './models.js';

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

function isBackward(request: PageRequest<unknown>): boolean {
  return request.cursor?.direction === 'before';
}

/** Where a cursor's row stands in an order by creation time, ties broken by a unique column. */
interface CreatedAt {
  dateCreated: Date;
  tie: string;
}

/**
 * The rows of `query` past `at` in the direction of travel, by creation time and then `tie` (newest first
 * going on), one too many: the keyset of participants and recordings.
 */
function pageByCreation<Query extends SelectQueryBuilder<ReadDB, keyof ReadDB, object>>(
  query: Query,
  tie: string,
  at: CreatedAt | undefined,
  request: PageRequest<string>,
): Query {
  const backward = isBackward(request);
  const order = backward ? 'asc' : 'desc';
  const key = sql`(${sql.ref('dateCreated')}, ${sql.ref(tie)})`;
  const past =
    at === undefined ? query : query.where(key, backward ? '>' : '<', sql`(${at.dateCreated}, ${at.tie})`);
  return past
    .orderBy(sql.ref('dateCreated'), order)
    .orderBy(sql.ref(tie), order)
    .limit(request.size + 1) as Query;
}

/** Rows come in the direction of travel, one too many; a page shows them newest first. */
function toPage<T>(rows: T[], request: PageRequest<unknown>): Page<T> {
  const items = rows.slice(0, request.size);
  if (isBackward(request)) items.reverse();
  return { items, more: rows.length > request.size };
}

const CONFERENCE_COLUMNS = [
  'accountSid',
  'sid',
  'friendlyName',
  'status',
  'region',
  'dateCreated',
  'dateUpdated',
  'reasonConferenceEnded',
  'callSidEndingConference',
  'platformSid',
] as const satisfies (keyof Conference)[];

/** The Sid a conference is shown by: the platform's once reported, else the one Conclave minted. */
export function shownSid(conference: { sid: string; platformSid: string | null }): string {
  return conference.platformSid ?? conference.sid;
}

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

// The REST side's most frequent query, so its text is fixed and prepared; its columns come out already
// named as the read side names them.
const FIND_CONFERENCE = preparedQuery(
  `SELECT ${CONFERENCE_COLUMNS.map((column) => `${snakeCase(column)} AS "${column}"`).join(', ')}
   FROM conferences WHERE account_sid = $1 AND (sid = $2 OR platform_sid = $2)
   ORDER BY sid = $2 DESC, sid DESC LIMIT 1`,
);

/** The conference with this Sid, minted or the platform's; the minted one wins should both match. */
export async function findConference(
  executor: Kysely<ReadDB>,
  accountSid: string,
  sid: string,
): Promise<Conference | undefined> {
  const { rows } = await executor.executeQuery<Conference>(FIND_CONFERENCE([accountSid, sid]));
  return rows[0];
}

// A Sid carries the time its conference was opened, which is its date_created: a creation-time range is a
// range of the primary key. Times before 1970 have no Sid; nothing was created then.
function sidAt(ms: number): string {
  return conferenceSidLowerBound(Math.max(0, ms));
}

/** The query behind a page of conferences; exported so that tests can EXPLAIN exactly what runs. */
export function conferencesPageQuery(
  executor: Kysely<ReadDB>,
  accountSid: string,
  filter: ConferenceFilter,
  request: PageRequest<string>,
) {
  const backward = isBackward(request);
  const { status, friendlyName, created, updated, callSid, phoneNumber } = filter;
  let query = executor
    .selectFrom('conferences')
    .select(CONFERENCE_COLUMNS)
    .where('accountSid', '=', accountSid);
  if (status !== undefined) query = query.where('status', '=', status);
  if (friendlyName !== undefined) query = query.where('friendlyName', '=', friendlyName);
  if (created?.from !== undefined) query = query.where('sid', '>=', sidAt(created.from));
  if (created?.before !== undefined) query = query.where('sid', '<', sidAt(created.before));
  if (updated?.from !== undefined) query = query.where('dateUpdated', '>=', new Date(updated.from));
  if (updated?.before !== undefined) query = query.where('dateUpdated', '<', new Date(updated.before));
  if (callSid !== undefined) {
    query = query.where('sid', 'in', (eb) =>
      eb
        .selectFrom('participants')
        .select('conferenceSid')
        .where('accountSid', '=', accountSid)
        .where('callSid', '=', callSid),
    );
  }
  if (phoneNumber !== undefined) {
    query = query.where('sid', 'in', (eb) =>
      eb
        .selectFrom('participants')
        .select('conferenceSid')
        .where('accountSid', '=', accountSid)
        .where((p) => p.or([p('fromNumber', '=', phoneNumber), p('toNumber', '=', phoneNumber)])),
    );
  }
  if (request.cursor) query = query.where('sid', backward ? '>' : '<', request.cursor.key);
  return query.orderBy('sid', backward ? 'asc' : 'desc').limit(request.size + 1);
}

export async function listConferences(
  executor: Kysely<ReadDB>,
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
  return toPage(rows, request);
}

const PARTICIPANT_COLUMNS = [
  'accountSid',
  'conferenceSid',
  'callSid',
  'label',
  'status',
  'muted',
  'hold',
  'coaching',
  'callSidToCoach',
  'startConferenceOnEnter',
  'endConferenceOnExit',
  'dateCreated',
  'dateUpdated',
  'dateLeft',
  'leftReason',
] as const satisfies (keyof ParticipantRecord)[];

function participantsOf(executor: Kysely<ReadDB>, accountSid: string, conferenceSid: string, status: string) {
  return executor
    .selectFrom('participants')
    .select(PARTICIPANT_COLUMNS)
    .where('accountSid', '=', accountSid)
    .where('conferenceSid', '=', conferenceSid)
    .where('status', '=', status as ParticipantStatus);
}

export type ParticipantKey = { callSid: string } | { label: string };

/** The participant with this CallSid or label and status; for a label reused over time, the newest. */
export async function findParticipant(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSid: string,
  key: ParticipantKey,
  status: string,
): Promise<ParticipantRecord | undefined> {
  const query = participantsOf(executor, accountSid, conferenceSid, status);
  return ('callSid' in key ? query.where('callSid', '=', key.callSid) : query.where('label', '=', key.label))
    .orderBy('dateCreated', 'desc')
    .orderBy('callSid', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * A page of a conference's participants, newest join first (ties broken by CallSid). The cursor is a
 * CallSid of this conference; undefined when it names none.
 */
export async function listParticipants(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSid: string,
  filter: ParticipantFilter,
  request: PageRequest<string>,
): Promise<Page<ParticipantRecord> | undefined> {
  let query = participantsOf(executor, accountSid, conferenceSid, filter.status);
  if (filter.muted !== undefined) query = query.where('muted', '=', filter.muted);
  if (filter.hold !== undefined) query = query.where('hold', '=', filter.hold);
  if (filter.coaching !== undefined) query = query.where('coaching', '=', filter.coaching);
  let at: CreatedAt | undefined;
  if (request.cursor) {
    const row = await executor
      .selectFrom('participants')
      .select(['dateCreated', 'callSid'])
      .where('accountSid', '=', accountSid)
      .where('conferenceSid', '=', conferenceSid)
      .where('callSid', '=', request.cursor.key)
      .executeTakeFirst();
    if (!row) return undefined;
    at = { dateCreated: row.dateCreated, tie: row.callSid };
  }
  return toPage(await pageByCreation(query, 'callSid', at, request).execute(), request);
}

const EVENT_COLUMNS = ['id', 'type', 'data', 'recordedAt'] as const satisfies (keyof ConferenceEvent)[];

// Matches the expression of the events_by_conference index, so that a conference's history is a range scan.
const eventConference = sql<string>`data ->> 'conferenceSid'`;

/**
 * A page of the events of one conference, newest first, in the order they were appended. The cursor is an
 * event id of this conference; undefined when it names none.
 */
export async function listConferenceEvents(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSid: string,
  request: PageRequest<string>,
): Promise<Page<ConferenceEvent> | undefined> {
  const backward = isBackward(request);
  let query = executor
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('accountSid', '=', accountSid)
    .where(eventConference, '=', conferenceSid);
  if (request.cursor) {
    const at = await executor
      .selectFrom('events')
      .select('globalPosition')
      .where('accountSid', '=', accountSid)
      .where('id', '=', request.cursor.key)
      .where(eventConference, '=', conferenceSid)
      .executeTakeFirst();
    if (!at) return undefined;
    query = query.where('globalPosition', backward ? '>' : '<', at.globalPosition as never);
  }
  const rows = await query
    .orderBy('globalPosition', backward ? 'asc' : 'desc')
    .limit(request.size + 1)
    .execute();
  return toPage(rows, request);
}

const RECORDING_COLUMNS = [
  'accountSid',
  'sid',
  'conferenceSid',
  'callSid',
  'status',
  'duration',
  'channels',
  'source',
  'startTime',
  'errorCode',
  'dateCreated',
  'dateUpdated',
] as const satisfies (keyof Recording)[];

/** A recording of the conference whose minted Sid is `conferenceSid`. */
export async function findRecording(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSid: string,
  sid: string,
): Promise<Recording | undefined> {
  return executor
    .selectFrom('recordings')
    .select(RECORDING_COLUMNS)
    .where('accountSid', '=', accountSid)
    .where('conferenceSid', '=', conferenceSid)
    .where('sid', '=', sid)
    .executeTakeFirst();
}

/**
 * A page of a conference's recordings, newest first (ties broken by Sid), filtered by creation time. The
 * cursor is a recording Sid of this conference; undefined when it names none.
 */
export async function listRecordings(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSid: string,
  created: TimeRange | undefined,
  request: PageRequest<string>,
): Promise<Page<Recording> | undefined> {
  let query = executor
    .selectFrom('recordings')
    .select(RECORDING_COLUMNS)
    .where('accountSid', '=', accountSid)
    .where('conferenceSid', '=', conferenceSid);
  if (created?.from !== undefined) query = query.where('dateCreated', '>=', new Date(created.from));
  if (created?.before !== undefined) query = query.where('dateCreated', '<', new Date(created.before));
  let at: CreatedAt | undefined;
  if (request.cursor) {
    const row = await findRecording(executor, accountSid, conferenceSid, request.cursor.key);
    if (!row) return undefined;
    at = { dateCreated: row.dateCreated, tie: row.sid };
  }
  return toPage(await pageByCreation(query, 'sid', at, request).execute(), request);
}
