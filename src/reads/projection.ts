// What events change in the read models. The live append and rebuild both fold their events through a
// Projection, so a rebuild reproduces the live rows exactly; every time written is the event's own.
// Changes are folded per row before anything is written, so that a transaction (or a whole rebuild)
// writes each row once: a row the batch creates is inserted whole, a row from before gets one UPDATE.

import { type Insertable, sql, type Updateable } from 'kysely';
import type { RoomEvent } from '../domain/events.js';
import {
  type ChangeRow,
  type ColumnTypes,
  inChunks,
  insertRows,
  type RowsOf,
  updateRows,
  upsertRows,
} from '../store/bulk-write.js';
import type { Executor } from '../store/executor.js';
import type { ConferencesTable, ParticipantsTable, RecordingsTable } from '../store/schema.js';

type ConferenceRow = Insertable<ConferencesTable>;
type ParticipantRow = Insertable<ParticipantsTable>;
type RecordingRow = Insertable<RecordingsTable>;

interface Change<Row, Key> {
  key: Key;
  /** The whole row, when the batch creates it (or, for a participant, puts it back in place). */
  row: Row | null;
  /** What changes in a row that was there before the batch. */
  set: Updateable<Row>;
}

interface ConferenceKey {
  accountSid: string;
  sid: string;
}

interface ParticipantKey extends ConferenceKey {
  callSid: string;
}

type ConferenceChange = Change<ConferenceRow, ConferenceKey>;
type ParticipantChange = Change<ParticipantRow, ParticipantKey>;

export const CONFERENCE_TYPES: ColumnTypes<'conferences'> = {
  account_sid: 'text',
  sid: 'text',
  friendly_name: 'text',
  status: 'text',
  region: 'text',
  date_created: 'timestamptz',
  date_updated: 'timestamptz',
  reason_conference_ended: 'text',
  call_sid_ending_conference: 'text',
  platform_sid: 'text',
};

const RECORDING_TYPES: ColumnTypes<'recordings'> = {
  account_sid: 'text',
  sid: 'text',
  conference_sid: 'text',
  call_sid: 'text',
  status: 'text',
  duration: 'bigint',
  channels: 'bigint',
  source: 'text',
  start_time: 'timestamptz',
  error_code: 'bigint',
  url: 'text',
  sequence_number: 'bigint',
  date_created: 'timestamptz',
  date_updated: 'timestamptz',
};

/**
 * Whether a recording report replaces the one before: the platform's SequenceNumber orders them where
 * both have one; otherwise the later report wins.
 */
function supersedes(next: { sequence_number?: number | null }, before: { sequence_number?: number | null }) {
  const [a, b] = [next.sequence_number ?? null, before.sequence_number ?? null];
  return a === null || b === null || a >= b;
}

const PARTICIPANT_KEY = ['account_sid', 'conference_sid', 'call_sid'] as const;
export const PARTICIPANT_TYPES: ColumnTypes<'participants'> = {
  account_sid: 'text',
  conference_sid: 'text',
  call_sid: 'text',
  label: 'text',
  status: 'text',
  muted: 'boolean',
  hold: 'boolean',
  coaching: 'boolean',
  call_sid_to_coach: 'text',
  start_conference_on_enter: 'boolean',
  end_conference_on_exit: 'boolean',
  beep: 'text',
  from_number: 'text',
  to_number: 'text',
  date_created: 'timestamptz',
  date_updated: 'timestamptz',
  date_left: 'timestamptz',
  left_reason: 'text',
};
const conferenceId = (accountSid: string, sid: string) => `${accountSid} ${sid}`;
const participantId = (accountSid: string, sid: string, callSid: string) => `${accountSid} ${sid} ${callSid}`;

function update<Row, Key>(
  changes: Map<string, Change<Row, Key>>,
  id: string,
  key: Key,
  set: Updateable<Row>,
): void {
  const change = changes.get(id);
  if (change === undefined) changes.set(id, { key, row: null, set: { ...set } });
  else if (change.row !== null) Object.assign(change.row as object, set);
  else Object.assign(change.set, set);
}

export class Projection {
  private readonly conferences = new Map<string, ConferenceChange>();
  private readonly participants = new Map<string, ParticipantChange>();
  private readonly recordings = new Map<string, RecordingRow>();

  apply(accountSid: string, event: RoomEvent): void {
    switch (event.type) {
      case 'ConferenceOpened': {
        const d = event.data;
        this.conferences.set(conferenceId(accountSid, d.conferenceSid), {
          key: { accountSid, sid: d.conferenceSid },
          row: {
            account_sid: accountSid,
            sid: d.conferenceSid,
            friendly_name: d.friendlyName,
            status: 'init',
            region: d.region,
            date_created: d.at,
            date_updated: d.at,
            reason_conference_ended: null,
            call_sid_ending_conference: null,
            platform_sid: null,
          },
          set: {},
        });
        return;
      }
      case 'ParticipantJoined': {
        const d = event.data;
        // A call that left may come back to the same instance: it is the same participant again, so the
        // row is put in place whole, whatever was there.
        this.participants.set(participantId(accountSid, d.conferenceSid, d.callSid), {
          key: { accountSid, sid: d.conferenceSid, callSid: d.callSid },
          row: {
            account_sid: accountSid,
            conference_sid: d.conferenceSid,
            call_sid: d.callSid,
            label: d.label,
            status: 'connected',
            muted: d.muted,
            hold: d.hold,
            coaching: d.coaching,
            call_sid_to_coach: d.callSidToCoach,
            start_conference_on_enter: d.startConferenceOnEnter,
            end_conference_on_exit: d.endConferenceOnExit,
            beep: d.beep,
            from_number: d.from,
            to_number: d.to,
            date_created: d.at,
            date_updated: d.at,
            date_left: null,
            left_reason: null,
          },
          set: {},
        });
        this.updateConference(accountSid, d.conferenceSid, { date_updated: d.at });
        return;
      }
      case 'ConferenceStarted':
        this.updateConference(accountSid, event.data.conferenceSid, {
          status: 'in-progress',
          date_updated: event.data.at,
        });
        return;
      case 'ParticipantUpdated': {
        const d = event.data;
        this.updateParticipant(accountSid, d.conferenceSid, d.callSid, {
          muted: d.muted,
          hold: d.hold,
          coaching: d.coaching,
          call_sid_to_coach: d.callSidToCoach,
          end_conference_on_exit: d.endConferenceOnExit,
          date_updated: d.at,
        });
        this.updateConference(accountSid, d.conferenceSid, { date_updated: d.at });
        return;
      }
      case 'ParticipantLeft': {
        const d = event.data;
        this.updateParticipant(accountSid, d.conferenceSid, d.callSid, {
          status: 'complete',
          date_left: d.at,
          left_reason: d.reason,
          date_updated: d.at,
        });
        this.updateConference(accountSid, d.conferenceSid, { date_updated: d.at });
        return;
      }
      case 'ConferenceEnded':
        this.updateConference(accountSid, event.data.conferenceSid, {
          status: 'completed',
          reason_conference_ended: event.data.reason,
          call_sid_ending_conference: event.data.callSidEndingConference,
          date_updated: event.data.at,
        });
        return;
      case 'ConferenceSidReported':
        // Not date_updated: the conference did not change, only what it is called.
        this.updateConference(accountSid, event.data.conferenceSid, { platform_sid: event.data.platformSid });
        return;
      case 'ConferenceEndCorrected':
        this.updateConference(accountSid, event.data.conferenceSid, {
          reason_conference_ended: event.data.reason,
          call_sid_ending_conference: event.data.callSidEndingConference,
          date_updated: event.data.at,
        });
        return;
      case 'RecordingReported': {
        const d = event.data;
        const id = `${accountSid} ${d.recordingSid}`;
        const before = this.recordings.get(id);
        const row: RecordingRow = {
          account_sid: accountSid,
          sid: d.recordingSid,
          conference_sid: d.conferenceSid,
          call_sid: d.callSid,
          status: d.status,
          duration: d.duration,
          channels: d.channels,
          source: d.source,
          start_time: d.startTime,
          error_code: d.errorCode,
          url: d.url,
          sequence_number: d.sequenceNumber,
          date_created: before?.date_created ?? d.at,
          date_updated: d.at,
        };
        if (before === undefined || supersedes(row, before)) this.recordings.set(id, row);
        return;
      }
      case 'CallEnded':
      case 'JoinRejected':
      case 'UnknownCallLeft':
      // Shown once the join it came ahead of applies it, as the ParticipantUpdated that follows the join.
      case 'ParticipantUpdateArrivedEarly':
        return;
    }
  }

  private updateConference(accountSid: string, sid: string, set: Updateable<ConferenceRow>): void {
    update(this.conferences, conferenceId(accountSid, sid), { accountSid, sid }, set);
  }

  private updateParticipant(
    accountSid: string,
    sid: string,
    callSid: string,
    set: Updateable<ParticipantRow>,
  ): void {
    update(this.participants, participantId(accountSid, sid, callSid), { accountSid, sid, callSid }, set);
  }

  /**
   * Moves the changes of every conference that has completed, and of its participants, into a Projection
   * of their own. A completed conference's rows change no more, so that a long fold can write them while it
   * goes on; were one to change after all, the change would reach it as an update, as it would live.
   */
  takeCompleted(): Projection {
    const taken = new Projection();
    for (const [id, change] of this.conferences) {
      if ((change.row ?? change.set).status !== 'completed') continue;
      taken.conferences.set(id, change);
      this.conferences.delete(id);
    }
    for (const [id, change] of this.participants) {
      if (!taken.conferences.has(conferenceId(change.key.accountSid, change.key.sid))) continue;
      taken.participants.set(id, change);
      this.participants.delete(id);
    }
    return taken;
  }

  /**
   * The statements that write what was folded: always the same five, those with nothing to write
   * included, so that a transaction of the live path sends the one text the database has prepared. They
   * touch different rows, so they may run in any order, or together as one statement.
   */
  writes(executor: Executor) {
    return projectionWrites(executor, this.rows());
  }

  /** The same in runs of rows short enough for one statement each, leaving out what is empty: a rebuild's. */
  writesInChunks(executor: Executor) {
    const rows = this.rows();
    return [
      ...inChunks(rows.conferences).map((chunk) => writeConferences(executor, chunk)),
      ...inChunks(rows.participants).map((chunk) => writeParticipants(executor, chunk)),
      ...inChunks(rows.recordings).map((chunk) => writeRecordings(executor, chunk)),
      ...inChunks(rows.conferenceUpdates).map(updateConferences),
      ...inChunks(rows.participantUpdates).map(updateParticipants),
    ];
  }

  /** The rows of each of the five statements. */
  rows(): ProjectionRows {
    const created = <Row>(changes: Map<string, Change<Row, unknown>>) =>
      [...changes.values()].flatMap((change) => (change.row === null ? [] : [change.row]));
    const changed = <Row, Key>(changes: Map<string, Change<Row, Key>>) =>
      [...changes.values()].flatMap((change) => (change.row === null ? [change] : []));
    return {
      conferences: created(this.conferences),
      participants: created(this.participants),
      recordings: [...this.recordings.values()],
      conferenceUpdates: changed(this.conferences).map(
        (change): ChangeRow<'conferences'> => ({
          account_sid: change.key.accountSid,
          sid: change.key.sid,
          changed: change.set,
        }),
      ),
      participantUpdates: changed(this.participants).map(
        (change): ChangeRow<'participants'> => ({
          account_sid: change.key.accountSid,
          conference_sid: change.key.sid,
          call_sid: change.key.callSid,
          changed: change.set,
        }),
      ),
    };
  }
}

/** What a Projection writes, by statement. */
export interface ProjectionRows {
  conferences: ConferenceRow[];
  participants: ParticipantRow[];
  recordings: RecordingRow[];
  conferenceUpdates: ChangeRow<'conferences'>[];
  participantUpdates: ChangeRow<'participants'>[];
}

/** The five statements that write `rows` (or, for a statement built once, stand for them). */
export function projectionWrites(
  executor: Executor,
  rows: { [Part in keyof ProjectionRows]: RowsOf<ProjectionRows[Part][number]> },
) {
  return [
    writeConferences(executor, rows.conferences),
    writeParticipants(executor, rows.participants),
    writeRecordings(executor, rows.recordings),
    updateConferences(rows.conferenceUpdates),
    updateParticipants(rows.participantUpdates),
  ];
}

const writeConferences = (executor: Executor, rows: RowsOf<ConferenceRow>) =>
  insertRows(executor, 'conferences', CONFERENCE_TYPES, rows);

// A participant put back in place takes every value from the new row.
const writeParticipants = (executor: Executor, rows: RowsOf<ParticipantRow>) =>
  upsertRows(executor, 'participants', PARTICIPANT_TYPES, [...PARTICIPANT_KEY], rows);

// The first report made the row; a later one replaces its values unless it is older (see supersedes).
const writeRecordings = (executor: Executor, rows: RowsOf<RecordingRow>) =>
  insertRows(executor, 'recordings', RECORDING_TYPES, rows).onConflict((oc) =>
    oc
      .columns(['account_sid', 'sid'])
      .doUpdateSet((eb) => {
        const columns = Object.keys(RECORDING_TYPES).filter(
          (column) => !['account_sid', 'sid', 'date_created'].includes(column),
        );
        return Object.fromEntries(
          columns.map((column) => [column, eb.ref(`excluded.${column}` as never)]),
        ) as never;
      })
      .where(
        sql<boolean>`recordings.sequence_number IS NULL OR excluded.sequence_number IS NULL
          OR excluded.sequence_number >= recordings.sequence_number`,
      ),
  );

const updateConferences = (changes: RowsOf<ChangeRow<'conferences'>>) =>
  updateRows('conferences', CONFERENCE_TYPES, ['account_sid', 'sid'], changes);

const updateParticipants = (changes: RowsOf<ChangeRow<'participants'>>) =>
  updateRows('participants', PARTICIPANT_TYPES, [...PARTICIPANT_KEY], changes);
