// The read side as the HTTP plugins see it: every query bound to the database, so that a plugin asks for
// what it shows and never holds a connection, a query builder or a row.

import type { Kysely } from 'kysely';
import type { Account } from '../domain/account.js';
import { findAccount, findAccountForRequest } from '../store/accounts.js';
import { apiKeyAccount } from '../store/api-keys.js';
import {
  accountEventsUrl,
  type CallbackCounts,
  callbackBacklog,
  callbackCounts,
} from '../store/callbacks.js';
import { type FeedCursor, type FeedEvent, type FeedQuery, feedHead, readFeed } from '../store/feed.js';
import type { DB } from '../store/schema.js';
import { camelCased } from './camel-case.js';
import { type Distribution, distribution, type LoadPoint, loadSeries, type Span } from './charts.js';
import {
  type ConferenceParticipants,
  type ConferenceSummary,
  conferenceParticipants,
  conferencesNamed,
  connectedParticipants,
  liveConferences,
  type ParticipantSummary,
  participantCounts,
  recentlyCompletedConferences,
} from './dashboard.js';
import { liveCounts } from './live-counts.js';
import type { Conference, ConferenceEvent, ParticipantRecord, Recording } from './models.js';
import {
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
  type ParticipantFilter,
  type ParticipantKey,
  type TimeRange,
} from './queries.js';

type Cursor = PageRequest<string>;

export interface Reads {
  /** The account a request names, remembered for a moment (see store/accounts). */
  account(sid: string): Promise<Account | undefined>;
  /** The account an API key (SK… and its secret) authenticates; a revoked key within ACCOUNT_TTL_MS. */
  apiKeyAccount(keySid: string, secret: string): Promise<Account | undefined>;
  /** The account as the database has it now, for what must see a changed token at once. */
  currentAccount(sid: string): Promise<Account | undefined>;
  conference(accountSid: string, sid: string): Promise<Conference | undefined>;
  conferences(accountSid: string, filter: ConferenceFilter, page: Cursor): Promise<Page<Conference>>;
  participant(
    accountSid: string,
    conferenceSid: string,
    key: ParticipantKey,
    status: string,
  ): Promise<ParticipantRecord | undefined>;
  participants(
    accountSid: string,
    conferenceSid: string,
    filter: ParticipantFilter,
    page: Cursor,
  ): Promise<Page<ParticipantRecord> | undefined>;
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
  connectedParticipants(accountSid: string, conferenceSids: readonly string[]): Promise<ParticipantSummary[]>;
  conferenceParticipants(
    accountSid: string,
    conferenceSid: string,
    leftShown: number,
  ): Promise<ConferenceParticipants>;
  participantCounts(accountSid: string, conferenceSids: readonly string[]): Promise<Map<string, number>>;
  feedHead(): Promise<FeedCursor>;
  feed(query: FeedQuery): Promise<FeedEvent[]>;
  liveCounts(): Promise<{ conferences: number; participants: number }>;
  /** The conference's callbacks to the app: sent, pending, failed, and the last error. */
  conferenceCallbacks(accountSid: string, conferenceSid: string): Promise<CallbackCounts>;
  /** The account's sink (`conclave accounts set-events-url`) and how its deliveries fare. */
  accountSink(accountSid: string): Promise<{ url: string | null; counts: CallbackCounts }>;
  callbackBacklog(): Promise<{ pending: number; failed: number; lagSeconds: number }>;
  /** Live conferences and connected participants at each sample of a span (charts). */
  load(accountSid: string, span: Span): Promise<LoadPoint[]>;
  /** Durations and sizes of the conferences opened in [from, to) and completed since (charts). */
  distribution(accountSid: string, from: Date, to: Date): Promise<Distribution>;
}

export function readsOf(db: Kysely<DB>): Reads {
  const read = camelCased(db);
  return {
    account: (sid) => findAccountForRequest(db, sid),
    currentAccount: (sid) => findAccount(db, sid),
    apiKeyAccount: async (keySid, secret) => {
      const accountSid = await apiKeyAccount(db, keySid, secret);
      return accountSid === undefined ? undefined : findAccountForRequest(db, accountSid);
    },
    conference: (accountSid, sid) => findConference(read, accountSid, sid),
    conferences: (accountSid, filter, page) => listConferences(read, accountSid, filter, page),
    participant: (accountSid, conferenceSid, key, status) =>
      findParticipant(read, accountSid, conferenceSid, key, status),
    participants: (accountSid, conferenceSid, filter, page) =>
      listParticipants(read, accountSid, conferenceSid, filter, page),
    conferenceEvents: (accountSid, conferenceSid, page) =>
      listConferenceEvents(read, accountSid, conferenceSid, page),
    recording: (accountSid, conferenceSid, sid) => findRecording(read, accountSid, conferenceSid, sid),
    recordings: (accountSid, conferenceSid, created, page) =>
      listRecordings(read, accountSid, conferenceSid, created, page),
    conferencesNamed: (accountSid, text, limit) => conferencesNamed(read, accountSid, text, limit),
    liveConferences: (accountSid, limit) => liveConferences(read, accountSid, limit),
    recentlyCompleted: (accountSid, limit) => recentlyCompletedConferences(read, accountSid, limit),
    connectedParticipants: (accountSid, sids) => connectedParticipants(read, accountSid, sids),
    conferenceParticipants: (accountSid, sid, leftShown) =>
      conferenceParticipants(read, accountSid, sid, leftShown),
    participantCounts: (accountSid, sids) => participantCounts(read, accountSid, sids),
    feedHead: () => feedHead(db),
    feed: (query) => readFeed(db, query),
    liveCounts: () => liveCounts(db),
    conferenceCallbacks: (accountSid, conferenceSid) =>
      callbackCounts(db, { accountSid, conferenceSid, target: 'app' }),
    accountSink: async (accountSid) => ({
      url: await accountEventsUrl(db, accountSid),
      counts: await callbackCounts(db, { accountSid, target: 'account' }),
    }),
    callbackBacklog: () => callbackBacklog(db),
    load: (accountSid, span) => loadSeries(db, accountSid, span),
    distribution: (accountSid, from, to) => distribution(db, accountSid, from, to),
  };
}

export type { CallbackCounts } from '../store/callbacks.js';
export { isDatabaseUnavailable } from '../store/errors.js';
export type { FeedCursor, FeedEvent } from '../store/feed.js';
export { compareCursors, formatCursor, parseCursor } from '../store/feed.js';
export type { Bucket, Distribution, LoadPoint, ParticipantBar, Span } from './charts.js';
export { participantBars } from './charts.js';
export type { ConferenceParticipants, ConferenceSummary, ParticipantSummary } from './dashboard.js';
export type { Conference, ConferenceEvent, ParticipantRecord, Recording } from './models.js';
export type {
  ConferenceFilter,
  Cursor,
  Page,
  ParticipantFilter,
  ParticipantKey,
  TimeRange,
} from './queries.js';
export { shownSid } from './queries.js';
