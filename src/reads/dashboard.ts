// What the dashboard reads beyond the REST side's queries: rooms found by part of their name, the
// conferences that ended last, and the participants of many conferences at once, with their numbers.

import { type Kysely, sql } from 'kysely';
import type { ReadDB } from './camel-case.js';
import type { Conference } from './models.js';

export type ConferenceSummary = Pick<
  Conference,
  'sid' | 'platformSid' | 'friendlyName' | 'status' | 'dateCreated' | 'dateUpdated' | 'reasonConferenceEnded'
>;

function conferenceSummaries(executor: Kysely<ReadDB>, accountSid: string) {
  return executor
    .selectFrom('conferences')
    .select([
      'sid',
      'platformSid',
      'friendlyName',
      'status',
      'dateCreated',
      'dateUpdated',
      'reasonConferenceEnded',
    ])
    .where('accountSid', '=', accountSid);
}

/** LIKE treats % and _ as wildcards; a name may hold them literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

async function newestFirst(
  query: ReturnType<typeof conferenceSummaries>,
  limit: number,
): Promise<ConferenceSummary[]> {
  return query.orderBy('sid', 'desc').limit(limit).execute();
}

/** Conferences of rooms whose name contains `text` (case-insensitive), newest first. */
export function conferencesNamed(
  executor: Kysely<ReadDB>,
  accountSid: string,
  text: string,
  limit: number,
): Promise<ConferenceSummary[]> {
  const query = conferenceSummaries(executor, accountSid);
  return newestFirst(query.where(sql<boolean>`friendly_name ILIKE ${likePattern(text)}`), limit);
}

/** Conferences that are not over, newest first. */
export function liveConferences(
  executor: Kysely<ReadDB>,
  accountSid: string,
  limit: number,
): Promise<ConferenceSummary[]> {
  return newestFirst(conferenceSummaries(executor, accountSid).where('status', '<>', 'completed'), limit);
}

/** Completed conferences, the last to end first: a completed conference's last update is its end. */
export async function recentlyCompletedConferences(
  executor: Kysely<ReadDB>,
  accountSid: string,
  limit: number,
): Promise<ConferenceSummary[]> {
  return conferenceSummaries(executor, accountSid)
    .where('status', '=', 'completed')
    .orderBy('dateUpdated', 'desc')
    .orderBy('sid', 'desc')
    .limit(limit)
    .execute();
}

export interface ParticipantSummary {
  conferenceSid: string;
  callSid: string;
  label: string | null;
  from: string | null;
  to: string | null;
  connected: boolean;
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  callSidToCoach: string | null;
  endConferenceOnExit: boolean;
  dateCreated: Date;
  dateLeft: Date | null;
  leftReason: string | null;
}

/**
 * The participants of these conferences, in the order they joined; only those still connected when
 * `connectedOnly`, since those who left pile up in a long-lived conference.
 */
export async function participantsOf(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSids: readonly string[],
  connectedOnly: boolean,
): Promise<ParticipantSummary[]> {
  if (conferenceSids.length === 0) return [];
  let query = executor
    .selectFrom('participants')
    .select([
      'conferenceSid',
      'callSid',
      'label',
      'fromNumber',
      'toNumber',
      'status',
      'muted',
      'hold',
      'coaching',
      'callSidToCoach',
      'endConferenceOnExit',
      'dateCreated',
      'dateLeft',
      'leftReason',
    ])
    .where('accountSid', '=', accountSid)
    .where('conferenceSid', 'in', conferenceSids);
  if (connectedOnly) query = query.where('status', '=', 'connected');
  const rows = await query.orderBy('dateCreated').orderBy('callSid').execute();
  return rows.map(({ fromNumber, toNumber, status, ...row }) => ({
    ...row,
    from: fromNumber,
    to: toNumber,
    connected: status === 'connected',
  }));
}

/** How many calls took part in each of these conferences. */
export async function participantCounts(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSids: readonly string[],
): Promise<Map<string, number>> {
  if (conferenceSids.length === 0) return new Map();
  const rows = await executor
    .selectFrom('participants')
    .select(['conferenceSid', (eb) => eb.fn.countAll<string>().as('count')])
    .where('accountSid', '=', accountSid)
    .where('conferenceSid', 'in', conferenceSids)
    .groupBy('conferenceSid')
    .execute();
  return new Map(rows.map((row) => [row.conferenceSid, Number(row.count)]));
}
