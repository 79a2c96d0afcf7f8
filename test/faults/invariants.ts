// The invariants of DESIGN §2, asked of the read models and the log in one snapshot, so that they can be
// checked while webhooks are still being written as well as at the end. Each query returns the rows that
// break its rule: an empty answer everywhere is the pass.

import { type RawBuilder, sql } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/store/database.js';

const RULES: Record<string, RawBuilder<unknown>> = {
  'at most one instance of a room is not completed': sql`
    SELECT account_sid, friendly_name, count(*) AS live FROM conferences WHERE status <> 'completed'
    GROUP BY account_sid, friendly_name HAVING count(*) > 1`,
  'a completed conference has no one connected': sql`
    SELECT p.conference_sid, p.call_sid FROM participants p
    JOIN conferences c ON c.account_sid = p.account_sid AND c.sid = p.conference_sid
    WHERE p.status = 'connected' AND c.status = 'completed'`,
  'a call is in at most one live instance': sql`
    SELECT account_sid, call_sid, count(*) AS places FROM participants WHERE status = 'connected'
    GROUP BY account_sid, call_sid HAVING count(*) > 1`,
  'a live instance has someone connected': sql`
    SELECT c.sid FROM conferences c WHERE c.status <> 'completed' AND NOT EXISTS (
      SELECT 1 FROM participants p
      WHERE p.account_sid = c.account_sid AND p.conference_sid = c.sid AND p.status = 'connected')`,
  // Conclave's own TwiML seats a caller only below the cap; a join the platform reports (it has no From)
  // has happened, and may take a conference past it until a leave on its way arrives.
  'a live instance seats no more than its maxParticipants itself': sql`
    SELECT c.sid, count(*) AS seated, (r.state -> 'live' ->> 'maxParticipants')::int AS max
    FROM conferences c
    JOIN rooms r ON r.account_sid = c.account_sid AND r.friendly_name = c.friendly_name
    JOIN participants p ON p.account_sid = c.account_sid AND p.conference_sid = c.sid AND p.status = 'connected'
    WHERE c.status <> 'completed' AND p.from_number IS NOT NULL
    GROUP BY c.sid, r.state HAVING count(*) > (r.state -> 'live' ->> 'maxParticipants')::int`,
  'an init instance does not meet the start rule': sql`
    SELECT c.sid FROM conferences c
    JOIN participants p ON p.account_sid = c.account_sid AND p.conference_sid = c.sid AND p.status = 'connected'
    WHERE c.status = 'init'
    GROUP BY c.sid HAVING count(*) >= 2 AND bool_or(p.start_conference_on_enter)`,
  'an in-progress or completed instance that started has its ConferenceStarted': sql`
    SELECT c.sid FROM conferences c WHERE c.status = 'in-progress' AND NOT EXISTS (
      SELECT 1 FROM events e WHERE e.account_sid = c.account_sid AND e.type = 'ConferenceStarted'
      AND e.data ->> 'conferenceSid' = c.sid)`,
  'a coach coaches a call, and only a coach does': sql`
    SELECT conference_sid, call_sid FROM participants WHERE coaching <> (call_sid_to_coach IS NOT NULL)`,
  'a call that has ended is connected nowhere': sql`
    SELECT p.call_sid FROM participants p
    JOIN calls k ON k.account_sid = p.account_sid AND k.call_sid = p.call_sid
    WHERE p.status = 'connected' AND k.ended`,
  'every stream is gapless and its room row at its end': sql`
    SELECT r.account_sid, r.friendly_name, r.version, count(e.stream_position) AS events,
      max(e.stream_position) AS last
    FROM rooms r
    LEFT JOIN events e ON e.account_sid = r.account_sid AND e.friendly_name = r.friendly_name
    GROUP BY r.account_sid, r.friendly_name, r.version
    HAVING r.version <> count(e.stream_position) OR r.version <> coalesce(max(e.stream_position), 0)`,
};

/** Expects every rule to hold in one snapshot of the database; returns how many rules were checked. */
export async function expectInvariants(database: Database): Promise<number> {
  const broken = await database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const found: Record<string, unknown[]> = {};
      for (const [rule, query] of Object.entries(RULES)) {
        const { rows } = await query.execute(trx);
        if (rows.length > 0) found[rule] = rows;
      }
      return found;
    });
  expect(broken).toEqual({});
  return Object.keys(RULES).length;
}
