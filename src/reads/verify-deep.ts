// A second derivation of the read models, for `conclave verify --deep`: plain SQL over the `events` table,
// written apart from the Projection and the domain's evolve, so that a wrong projection rule (which the
// rebuild would repeat faithfully) shows up as a difference. Each query states a rule of the read models
// directly: a conference is completed once an end is recorded, a participant's flags are those of its last
// join or later update, a call's room is the stream of its last join, and so on. Every column the
// projection writes is compared.

import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../store/database.js';
import type { DerivedTable } from '../store/schema.js';
import { CONFERENCE_TYPES, PARTICIPANT_TYPES } from './projection.js';
import type { Difference, Verification } from './verify.js';

/** The at of an event, as the read models store times. */
const at = (alias: string) => sql.raw(`(${alias}.data ->> 'at')::timestamptz`);

const CONFERENCES = {
  columns: Object.keys(CONFERENCE_TYPES),
  expected: sql`
    WITH touched AS (
      SELECT DISTINCT ON (account_sid, data ->> 'conferenceSid') account_sid, data ->> 'conferenceSid' AS sid, ${at('events')} AS date_updated
      FROM events
      WHERE type IN ('ConferenceOpened', 'ParticipantJoined', 'ConferenceStarted', 'ParticipantUpdated', 'ParticipantLeft', 'ConferenceEnded', 'ConferenceEndCorrected')
      ORDER BY account_sid, data ->> 'conferenceSid', global_position DESC),
    ended AS (SELECT DISTINCT account_sid, data ->> 'conferenceSid' AS sid FROM events WHERE type = 'ConferenceEnded'),
    -- The platform's word on why a conference ended replaces Conclave's, whenever it comes.
    reason AS (
      SELECT DISTINCT ON (account_sid, data ->> 'conferenceSid') account_sid, data ->> 'conferenceSid' AS sid,
        data ->> 'reason' AS reason, data ->> 'callSidEndingConference' AS ending
      FROM events WHERE type IN ('ConferenceEnded', 'ConferenceEndCorrected')
      ORDER BY account_sid, data ->> 'conferenceSid', global_position DESC),
    named AS (
      SELECT DISTINCT ON (account_sid, data ->> 'conferenceSid') account_sid, data ->> 'conferenceSid' AS sid,
        data ->> 'platformSid' AS platform_sid
      FROM events WHERE type = 'ConferenceSidReported'
      ORDER BY account_sid, data ->> 'conferenceSid', global_position DESC),
    started AS (SELECT DISTINCT account_sid, data ->> 'conferenceSid' AS sid FROM events WHERE type = 'ConferenceStarted')
    SELECT o.account_sid, o.data ->> 'conferenceSid' AS sid, o.data ->> 'friendlyName' AS friendly_name,
      CASE WHEN e.sid IS NOT NULL THEN 'completed' WHEN s.sid IS NOT NULL THEN 'in-progress' ELSE 'init' END AS status,
      o.data ->> 'region' AS region, ${at('o')} AS date_created, t.date_updated,
      r.reason AS reason_conference_ended, r.ending AS call_sid_ending_conference, n.platform_sid
    FROM events o
    JOIN touched t ON t.account_sid = o.account_sid AND t.sid = o.data ->> 'conferenceSid'
    LEFT JOIN ended e ON e.account_sid = o.account_sid AND e.sid = o.data ->> 'conferenceSid'
    LEFT JOIN reason r ON r.account_sid = o.account_sid AND r.sid = o.data ->> 'conferenceSid'
    LEFT JOIN named n ON n.account_sid = o.account_sid AND n.sid = o.data ->> 'conferenceSid'
    LEFT JOIN started s ON s.account_sid = o.account_sid AND s.sid = o.data ->> 'conferenceSid'
    WHERE o.type = 'ConferenceOpened'`,
  live: 'true',
};

// A participant is its call's last stay in the conference: a call that left and came back is shown as it
// came back, so only the events from its last join on count.
const STAY = sql`
  last_join AS (
    SELECT DISTINCT ON (account_sid, data ->> 'conferenceSid', data ->> 'callSid') account_sid,
      data ->> 'conferenceSid' AS conference_sid, data ->> 'callSid' AS call_sid, data, global_position
    FROM events WHERE type = 'ParticipantJoined'
    ORDER BY account_sid, data ->> 'conferenceSid', data ->> 'callSid', global_position DESC),
  stay AS (
    SELECT j.account_sid, j.conference_sid, j.call_sid, e.type, e.data, e.global_position
    FROM last_join j JOIN events e ON e.account_sid = j.account_sid
      AND e.data ->> 'conferenceSid' = j.conference_sid AND e.data ->> 'callSid' = j.call_sid
      AND e.global_position >= j.global_position
    WHERE e.type IN ('ParticipantJoined', 'ParticipantUpdated', 'ParticipantLeft')),
  latest AS (
    SELECT DISTINCT ON (account_sid, conference_sid, call_sid) * FROM stay
    ORDER BY account_sid, conference_sid, call_sid, global_position DESC),
  flags AS (
    SELECT DISTINCT ON (account_sid, conference_sid, call_sid) * FROM stay WHERE type <> 'ParticipantLeft'
    ORDER BY account_sid, conference_sid, call_sid, global_position DESC),
  departure AS (
    SELECT DISTINCT ON (account_sid, conference_sid, call_sid) * FROM stay WHERE type = 'ParticipantLeft'
    ORDER BY account_sid, conference_sid, call_sid, global_position DESC),
  participant AS (
    SELECT j.account_sid, j.conference_sid, j.call_sid, j.data ->> 'label' AS label,
      CASE WHEN d.call_sid IS NULL THEN 'connected' ELSE 'complete' END AS status,
      (f.data ->> 'muted')::boolean AS muted, (f.data ->> 'hold')::boolean AS hold,
      (f.data ->> 'coaching')::boolean AS coaching, f.data ->> 'callSidToCoach' AS call_sid_to_coach,
      (j.data ->> 'startConferenceOnEnter')::boolean AS start_conference_on_enter,
      (f.data ->> 'endConferenceOnExit')::boolean AS end_conference_on_exit,
      j.data ->> 'beep' AS beep, j.data ->> 'from' AS from_number, j.data ->> 'to' AS to_number,
      ${at('j')} AS date_created, ${at('l')} AS date_updated, ${at('d')} AS date_left,
      d.data ->> 'reason' AS left_reason
    FROM last_join j
    JOIN latest l USING (account_sid, conference_sid, call_sid)
    JOIN flags f USING (account_sid, conference_sid, call_sid)
    LEFT JOIN departure d USING (account_sid, conference_sid, call_sid))`;

const PARTICIPANTS = {
  columns: Object.keys(PARTICIPANT_TYPES),
  expected: sql`WITH ${STAY} SELECT * FROM participant`,
  live: 'true',
};

const CALLS = {
  columns: ['account_sid', 'call_sid', 'room', 'ended'],
  // A call's room is the stream in which it last joined (or was reported leaving before it joined).
  expected: sql`
    WITH placed AS (
      SELECT DISTINCT ON (account_sid, data ->> 'callSid') account_sid, data ->> 'callSid' AS call_sid, friendly_name AS room
      FROM events WHERE type IN ('ParticipantJoined', 'UnknownCallLeft')
      ORDER BY account_sid, data ->> 'callSid', global_position DESC),
    ended AS (SELECT DISTINCT account_sid, data ->> 'callSid' AS call_sid FROM events WHERE type = 'CallEnded')
    SELECT account_sid, call_sid, p.room, e.call_sid IS NOT NULL AS ended
    FROM placed p FULL JOIN ended e USING (account_sid, call_sid)`,
  live: 'room IS NOT NULL OR ended',
};

const ROOMS = {
  // A room's version is its stream's length; its state names the live instance, its status and who is in it.
  columns: ['account_sid', 'friendly_name', 'version', 'live_sid', 'live_status', 'present'],
  expected: sql`
    WITH ${STAY},
    open AS (
      SELECT o.account_sid, o.friendly_name, o.data ->> 'conferenceSid' AS sid FROM events o
      WHERE o.type = 'ConferenceOpened' AND NOT EXISTS (
        SELECT FROM events e WHERE e.account_sid = o.account_sid AND e.type = 'ConferenceEnded'
          AND e.data ->> 'conferenceSid' = o.data ->> 'conferenceSid'))
    SELECT s.account_sid, s.friendly_name, s.version, o.sid AS live_sid,
      CASE WHEN o.sid IS NULL THEN NULL
        WHEN EXISTS (SELECT FROM events e WHERE e.account_sid = o.account_sid AND e.type = 'ConferenceStarted'
          AND e.data ->> 'conferenceSid' = o.sid) THEN 'in-progress' ELSE 'init' END AS live_status,
      (SELECT coalesce(array_agg(p.call_sid ORDER BY p.call_sid), '{}') FROM participant p
        WHERE p.account_sid = o.account_sid AND p.conference_sid = o.sid AND p.status = 'connected') AS present
    FROM (SELECT account_sid, friendly_name, max(stream_position) AS version FROM events GROUP BY 1, 2) s
    LEFT JOIN open o USING (account_sid, friendly_name)`,
  live: 'version > 0',
  /** The live rows, shaped as the expectation is. */
  shaped: sql`
    SELECT account_sid, friendly_name, version, state -> 'live' ->> 'sid' AS live_sid,
      state -> 'live' ->> 'status' AS live_status,
      (SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM jsonb_object_keys(coalesce(state -> 'live' -> 'participants', '{}')) k) AS present
    FROM rooms WHERE version > 0`,
};

// A recording is its reports folded in log order: a report replaces the one kept unless both carry a
// SequenceNumber and its own is lower; the first report dates it.
const RECORDINGS = {
  columns: [
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
    'url',
    'sequence_number',
    'date_created',
    'date_updated',
  ],
  expected: sql`
    WITH RECURSIVE reports AS (
      SELECT account_sid, data ->> 'recordingSid' AS sid, data,
        row_number() OVER (PARTITION BY account_sid, data ->> 'recordingSid' ORDER BY global_position) AS n
      FROM events WHERE type = 'RecordingReported'),
    fold AS (
      SELECT account_sid, sid, n, data AS kept, data ->> 'at' AS first_at FROM reports WHERE n = 1
      UNION ALL
      SELECT r.account_sid, r.sid, r.n,
        CASE WHEN r.data ->> 'sequenceNumber' IS NULL OR f.kept ->> 'sequenceNumber' IS NULL
          OR (r.data ->> 'sequenceNumber')::bigint >= (f.kept ->> 'sequenceNumber')::bigint
          THEN r.data ELSE f.kept END,
        f.first_at
      FROM fold f JOIN reports r ON r.account_sid = f.account_sid AND r.sid = f.sid AND r.n = f.n + 1),
    last AS (SELECT DISTINCT ON (account_sid, sid) * FROM fold ORDER BY account_sid, sid, n DESC)
    SELECT account_sid, sid, kept ->> 'conferenceSid' AS conference_sid, kept ->> 'callSid' AS call_sid,
      kept ->> 'status' AS status, (kept ->> 'duration')::bigint AS duration,
      (kept ->> 'channels')::bigint AS channels, kept ->> 'source' AS source,
      (kept ->> 'startTime')::timestamptz AS start_time, (kept ->> 'errorCode')::bigint AS error_code,
      kept ->> 'url' AS url, (kept ->> 'sequenceNumber')::bigint AS sequence_number,
      first_at::timestamptz AS date_created, (kept ->> 'at')::timestamptz AS date_updated
    FROM last`,
  live: 'true',
};

interface Check {
  columns: string[];
  expected: RawBuilder<unknown>;
  live: string;
  shaped?: RawBuilder<unknown>;
}

const CHECKS: Record<DerivedTable, Check> = {
  rooms: ROOMS,
  calls: CALLS,
  conferences: CONFERENCES,
  participants: PARTICIPANTS,
  recordings: RECORDINGS,
};

/** Compares the live read models with the SQL derivation, in one snapshot. `rebuilt` names the SQL side. */
export async function verifyDeep(database: Database, limit = 100): Promise<Verification> {
  return database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const differences: Difference[] = [];
      for (const [table, check] of Object.entries(CHECKS) as [DerivedTable, Check][]) {
        const columns = sql.join(check.columns.map((column) => sql.ref(column)));
        const live =
          check.shaped ?? sql`SELECT ${columns} FROM ${sql.table(table)} WHERE ${sql.raw(check.live)}`;
        const expected = sql`SELECT ${columns} FROM (${check.expected}) x`;
        const { rows } = await sql<{ side: 'live' | 'rebuilt'; row: Record<string, unknown> }>`
          SELECT 'live' AS side, to_jsonb(d) AS row FROM (${live} EXCEPT ${expected}) d
          UNION ALL
          SELECT 'rebuilt' AS side, to_jsonb(d) AS row FROM (${expected} EXCEPT ${live}) d
          LIMIT ${limit}`.execute(trx);
        differences.push(...rows.map((r) => ({ table, side: r.side, row: r.row })));
      }
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM events`.execute(trx);
      return { events: Number(rows[0]?.n ?? 0), differences: differences.slice(0, limit) };
    });
}
