// Row types of the tables in sql/, as Kysely sees them. They stay inside store/: the rest of the code
// speaks in domain types and in the shapes the queries return.

import type { ColumnType, Generated } from 'kysely';
import type { CallbackConference } from '../domain/callbacks.js';
import type { RoomState } from '../domain/room.js';

/** Timestamps are written as ISO strings and read back as Dates. */
type Timestamp = ColumnType<Date, string | Date, string | Date>;
type DefaultedTimestamp = ColumnType<Date, string | Date | undefined, string | Date>;
type NullableTimestamp = ColumnType<Date | null, string | Date | null, string | Date | null>;

export interface AccountsTable {
  account_sid: string;
  auth_token: string;
  friendly_name: string;
  date_created: Generated<Timestamp>;
  events_url: Generated<string | null>;
}

export interface ApiKeysTable {
  account_sid: string;
  key_sid: string;
  friendly_name: string;
  secret_salt: Uint8Array;
  secret_hash: Uint8Array;
  date_created: ColumnType<Date, string | Date | undefined, never>;
  date_revoked: NullableTimestamp;
}

export interface RoomsTable {
  account_sid: string;
  friendly_name: string;
  version: ColumnType<string, number, number>;
  state: ColumnType<RoomState, string, string>;
}

export interface EventsTable {
  account_sid: string;
  friendly_name: string;
  stream_position: ColumnType<string, number | string, never>;
  global_position: ColumnType<string, never, never>;
  id: string;
  type: string;
  data: ColumnType<unknown, string, never>;
  recorded_at: Timestamp;
  transaction_id: ColumnType<string, never, never>;
}

export interface InboxTable {
  account_sid: string;
  key: string;
  received_at: Generated<Timestamp>;
  outcome: ColumnType<unknown, string, string>;
}

export interface CallsTable {
  account_sid: string;
  call_sid: string;
  room: string | null;
  ended: Generated<boolean>;
}

export interface CallVisitsTable {
  account_sid: string;
  call_sid: string;
  visit: Generated<number>;
  room: string | null;
  turned_away: Generated<boolean>;
}

export interface ConferencesTable {
  account_sid: string;
  sid: string;
  friendly_name: string;
  status: 'init' | 'in-progress' | 'completed';
  region: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
  reason_conference_ended: string | null;
  call_sid_ending_conference: string | null;
  platform_sid: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RecordingsTable {
  account_sid: string;
  sid: string;
  conference_sid: string;
  call_sid: string | null;
  status: string;
  duration: ColumnType<string | null, number | null, number | null>;
  channels: ColumnType<string | null, number | null, number | null>;
  source: string | null;
  start_time: NullableTimestamp;
  error_code: ColumnType<string | null, number | null, number | null>;
  url: string | null;
  sequence_number: ColumnType<string | null, number | null, number | null>;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface ParticipantsTable {
  account_sid: string;
  conference_sid: string;
  call_sid: string;
  label: string | null;
  status: 'connected' | 'complete';
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  call_sid_to_coach: string | null;
  start_conference_on_enter: boolean;
  end_conference_on_exit: boolean;
  beep: string;
  from_number: string | null;
  to_number: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
  date_left: NullableTimestamp;
  left_reason: string | null;
}

export interface CallbackCheckpointsTable {
  account_sid: string;
  transaction_id: ColumnType<string, string | undefined, string>;
  global_position: ColumnType<string, string | undefined, string>;
}

export interface CallbackConferencesTable {
  account_sid: string;
  conference_sid: string;
  state: ColumnType<CallbackConference, string, string>;
}

export interface CallbacksTable {
  account_sid: string;
  id: Generated<string>;
  conference_sid: string;
  target: 'app' | 'account';
  sequence_number: number;
  event_id: string;
  status_callback_event: string;
  url: string;
  method: 'GET' | 'POST';
  params: ColumnType<{ [name: string]: string }, string, string>;
  idempotency_token: string;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  window_attempts: Generated<number>;
  recorded_at: Timestamp;
  enqueued_at: DefaultedTimestamp;
  next_attempt_at: DefaultedTimestamp;
  lease_until: NullableTimestamp;
  last_attempt_at: NullableTimestamp;
  first_attempt_at: NullableTimestamp;
  last_status: number | null;
  last_error: string | null;
  delivered_at: NullableTimestamp;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: Generated<Timestamp>;
}

export interface EndedSessionsTable {
  account_sid: string;
  session_id: string;
  expires_at: Timestamp;
}

export interface DB {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  ended_sessions: EndedSessionsTable;
  rooms: RoomsTable;
  events: EventsTable;
  inbox: InboxTable;
  calls: CallsTable;
  call_visits: CallVisitsTable;
  conferences: ConferencesTable;
  participants: ParticipantsTable;
  callback_checkpoints: CallbackCheckpointsTable;
  callback_conferences: CallbackConferencesTable;
  callbacks: CallbacksTable;
  recordings: RecordingsTable;
  schema_migrations: SchemaMigrationsTable;
}

/** The tables derived from the event log, which rebuild rewrites and verify compares. */
export const DERIVED_TABLES = ['rooms', 'calls', 'conferences', 'participants', 'recordings'] as const;
export type DerivedTable = (typeof DERIVED_TABLES)[number];
