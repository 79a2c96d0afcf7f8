// What the dashboard reads beyond the REST side's queries: rooms found by part of their name, the
// conferences that ended last, and the participants of many conferences at once, with their numbers.

import { sql } from 'kysely';
import type { Executor } from '../store/executor.js';
import type { Conference } from './queries.js';

export type ConferenceSummary = Pick<
  Conference,
  'sid' | 'platformSid' | 'friendlyName' | 'status' | 'dateCreated' | 'dateUpdated' | 'reasonConferenceEnded'
>;

function conferenceSummaries(executor: Executor, accountSid: string) {
  return executor
    .selectFrom('conferences')
    .select([
      'sid',
      'platform_sid',
      'friendly_name',
      'status',
      'date_created',
      'date_updated',
      'reason_conference_ended',
    ])
    .where('account_sid', '=', accountSid);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof conferenceSummaries>['execute']>>[number];

function toSummary(row: SummaryRow): ConferenceSummary {
  return {
    sid: row.sid,
    platformSid: row.platform_sid,
    friendlyName: row.friendly_name,
    status: row.status,
    dateCreated: row.date_created,
    dateUpdated: row.date_updated,
    reasonConferenceEnded: row.reason_conference_ended,
  };
}

/** LIKE treats % and _ as wildcards; a name may hold them literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

async function newestFirst(
  query: ReturnType<typeof conferenceSummaries>,
  limit: number,
): Promise<ConferenceSummary[]> {
  const rows = await query.orderBy('sid', 'desc').limit(limit).execute();
  return rows.map(toSummary);
}

/** Conferences of rooms whose name contains `text` (case-insensitive), newest first. */
export function conferencesNamed(
  executor: Executor,
  accountSid: string,
  text: string,
  limit: number,
): Promise<ConferenceSummary[]> {
  const query = conferenceSummaries(executor, accountSid);
  return newestFirst(query.where(sql<boolean>`friendly_name ILIKE ${likePattern(text)}`), limit);
}

/** Conferences that are not over, newest first. */
export function liveConferences(
  executor: Executor,
  accountSid: string,
  limit: number,
): Promise<ConferenceSummary[]> {
  return newestFirst(conferenceSummaries(executor, accountSid).where('status', '<>', 'completed'), limit);
}

/** Completed conferences, the last to end first: a completed conference's last update is its end. */
export async function recentlyCompletedConferences(
  executor: Executor,
  accountSid: string,
  limit: number,
): Promise<ConferenceSummary[]> {
  const rows = await conferenceSummaries(executor, accountSid)
    .where('status', '=', 'completed')
    .orderBy('date_updated', 'desc')
    .orderBy('sid', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toSummary);
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
  executor: Executor,
  accountSid: string,
  conferenceSids: readonly string[],
  connectedOnly: boolean,
): Promise<ParticipantSummary[]> {
  if (conferenceSids.length === 0) return [];
  let query = executor
    .selectFrom('participants')
    .select([
      'conference_sid',
      'call_sid',
      'label',
      'from_number',
      'to_number',
      'status',
      'muted',
      'hold',
      'coaching',
      'call_sid_to_coach',
      'end_conference_on_exit',
      'date_created',
      'date_left',
      'left_reason',
    ])
    .where('account_sid', '=', accountSid)
    .where('conference_sid', 'in', conferenceSids);
  if (connectedOnly) query = query.where('status', '=', 'connected');
  const rows = await query.orderBy('date_created').orderBy('call_sid').execute();
  return rows.map((row) => ({
    conferenceSid: row.conference_sid,
    callSid: row.call_sid,
    label: row.label,
    from: row.from_number,
    to: row.to_number,
    connected: row.status === 'connected',
    muted: row.muted,
    hold: row.hold,
    coaching: row.coaching,
    callSidToCoach: row.call_sid_to_coach,
    endConferenceOnExit: row.end_conference_on_exit,
    dateCreated: row.date_created,
    dateLeft: row.date_left,
    leftReason: row.left_reason,
  }));
}

/** How many calls took part in each of these conferences. */
export async function participantCounts(
  executor: Executor,
  accountSid: string,
  conferenceSids: readonly string[],
): Promise<Map<string, number>> {
  if (conferenceSids.length === 0) return new Map();
  const rows = await executor
    .selectFrom('participants')
    .select(['conference_sid', (eb) => eb.fn.countAll<string>().as('count')])
    .where('account_sid', '=', accountSid)
    .where('conference_sid', 'in', conferenceSids)
    .groupBy('conference_sid')
    .execute();
  return new Map(rows.map((row) => [row.conference_sid, Number(row.count)]));
}
