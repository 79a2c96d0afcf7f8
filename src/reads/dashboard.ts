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

function participantSummaries(executor: Kysely<ReadDB>, accountSid: string) {
  return executor
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
    .where('accountSid', '=', accountSid);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof participantSummaries>['execute']>>[number];

const summaryOf = ({ fromNumber, toNumber, status, ...row }: SummaryRow): ParticipantSummary => ({
  ...row,
  from: fromNumber,
  to: toNumber,
  connected: status === 'connected',
});

/** The participants connected now to these conferences, in the order they joined. */
export async function connectedParticipants(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSids: readonly string[],
): Promise<ParticipantSummary[]> {
  if (conferenceSids.length === 0) return [];
  const rows = await participantSummaries(executor, accountSid)
    .where('conferenceSid', 'in', conferenceSids)
    .where('status', '=', 'connected')
    .orderBy('dateCreated')
    .orderBy('callSid')
    .execute();
  return rows.map(summaryOf);
}

export interface ConferenceParticipants {
  /** Those connected now, in the order they joined. */
  present: ParticipantSummary[];
  /** Of those who left, the last to leave (at most the number asked for), in the order they left. */
  left: ParticipantSummary[];
  /** How many left in all: they pile up in a long-lived conference. */
  leftCount: number;
}

/** Who is in one conference now, and the latest of those who left it. */
export async function conferenceParticipants(
  executor: Kysely<ReadDB>,
  accountSid: string,
  conferenceSid: string,
  leftShown: number,
): Promise<ConferenceParticipants> {
  const [present, left] = await Promise.all([
    connectedParticipants(executor, accountSid, [conferenceSid]),
    participantSummaries(executor, accountSid)
      // Counted before the limit applies: how many left in all, in the same query.
      .select(sql<string>`count(*) OVER ()`.as('leftCount'))
      .where('conferenceSid', '=', conferenceSid)
      .where('status', '!=', 'connected')
      .orderBy(sql`date_left DESC NULLS LAST`)
      .orderBy('callSid', 'desc')
      .limit(leftShown)
      .execute(),
  ]);
  const leftCount = Number(left[0]?.leftCount ?? 0);
  return { present, left: left.reverse().map(({ leftCount: _, ...row }) => summaryOf(row)), leftCount };
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
