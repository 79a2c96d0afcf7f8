// The read side as the HTTP plugins see it: every query bound to the database, so that a plugin asks for
// what it shows and never holds a connection, a query builder or a row.

import type { Kysely } from 'kysely';
import type { Account } from '../domain/account.js';
import { findAccount, findAccountForRequest } from '../store/accounts.js';
import { type FeedCursor, type FeedEvent, type FeedQuery, feedHead, readFeed } from '../store/feed.js';
import type { DB } from '../store/schema.js';
import {
  type ConferenceSummary,
  conferencesNamed,
  liveConferences,
  type ParticipantSummary,
  participantCounts,
  participantsOf,
  recentlyCompletedConferences,
} from './dashboard.js';
import { liveCounts } from './live-counts.js';
import {
  type Conference,
  type ConferenceEvent,
  type ConferenceFilter,
  findConference,
  findParticipant,
  findRecording,
  listConferenceEvents,
  listConferences,
  listParticipants,
  listRecordings,
  type Page,
  type PageRequest,
  type Participant,
  type ParticipantFilter,
  type ParticipantKey,
  type Recording,
  type TimeRange,
} from './queries.js';

type Cursor = PageRequest<string>;

export interface Reads {
  /** The account a request names, remembered for a moment (see store/accounts). */
  account(sid: string): Promise<Account | undefined>;
  /** The account as the database has it now, for what must see a changed token at once. */
  currentAccount(sid: string): Promise<Account | undefined>;
  conference(accountSid: string, sid: string): Promise<Conference | undefined>;
  conferences(accountSid: string, filter: ConferenceFilter, page: Cursor): Promise<Page<Conference>>;
  participant(
    accountSid: string,
    conferenceSid: string,
    key: ParticipantKey,
    status: string,
  ): Promise<Participant | undefined>;
  participants(
    accountSid: string,
    conferenceSid: string,
    filter: ParticipantFilter,
    page: Cursor,
  ): Promise<Page<Participant> | undefined>;
  conferenceEvents(
    accountSid: string,
    conferenceSid: string,
    page: Cursor,
  ): Promise<Page<ConferenceEvent> | undefined>;
  /** `conferenceSid` is the minted Sid, as `conference` returns it. */
  recording(accountSid: string, conferenceSid: string, sid: string): Promise<Recording | undefined>;
  recordings(
    accountSid: string,
    conferenceSid: string,
    created: TimeRange | undefined,
    page: Cursor,
  ): Promise<Page<Recording> | undefined>;
  conferencesNamed(accountSid: string, text: string, limit: number): Promise<ConferenceSummary[]>;
  liveConferences(accountSid: string, limit: number): Promise<ConferenceSummary[]>;
  recentlyCompleted(accountSid: string, limit: number): Promise<ConferenceSummary[]>;
  participantsOf(
    accountSid: string,
    conferenceSids: readonly string[],
    connectedOnly: boolean,
  ): Promise<ParticipantSummary[]>;
  participantCounts(accountSid: string, conferenceSids: readonly string[]): Promise<Map<string, number>>;
  feedHead(): Promise<FeedCursor>;
  feed(query: FeedQuery): Promise<FeedEvent[]>;
  liveCounts(): Promise<{ conferences: number; participants: number }>;
}

export function readsOf(db: Kysely<DB>): Reads {
  return {
    account: (sid) => findAccountForRequest(db, sid),
    currentAccount: (sid) => findAccount(db, sid),
    conference: (accountSid, sid) => findConference(db, accountSid, sid),
    conferences: (accountSid, filter, page) => listConferences(db, accountSid, filter, page),
    participant: (accountSid, conferenceSid, key, status) =>
      findParticipant(db, accountSid, conferenceSid, key, status),
    participants: (accountSid, conferenceSid, filter, page) =>
      listParticipants(db, accountSid, conferenceSid, filter, page),
    conferenceEvents: (accountSid, conferenceSid, page) =>
      listConferenceEvents(db, accountSid, conferenceSid, page),
    recording: (accountSid, conferenceSid, sid) => findRecording(db, accountSid, conferenceSid, sid),
    recordings: (accountSid, conferenceSid, created, page) =>
      listRecordings(db, accountSid, conferenceSid, created, page),
    conferencesNamed: (accountSid, text, limit) => conferencesNamed(db, accountSid, text, limit),
    liveConferences: (accountSid, limit) => liveConferences(db, accountSid, limit),
    recentlyCompleted: (accountSid, limit) => recentlyCompletedConferences(db, accountSid, limit),
    participantsOf: (accountSid, sids, connectedOnly) => participantsOf(db, accountSid, sids, connectedOnly),
    participantCounts: (accountSid, sids) => participantCounts(db, accountSid, sids),
    feedHead: () => feedHead(db),
    feed: (query) => readFeed(db, query),
    liveCounts: () => liveCounts(db),
  };
}

export { isDatabaseUnavailable } from '../store/errors.js';
export type { FeedCursor, FeedEvent } from '../store/feed.js';
export { compareCursors, FEED_START, formatCursor, parseCursor } from '../store/feed.js';
export type { ConferenceSummary, ParticipantSummary } from './dashboard.js';
export type {
  Conference,
  ConferenceEvent,
  ConferenceFilter,
  ConferenceStatus,
  Cursor,
  Page,
  PageRequest,
  Participant,
  ParticipantFilter,
  ParticipantKey,
  Recording,
  TimeRange,
} from './queries.js';
export { shownSid } from './queries.js';
