// Large data sets made inside PostgreSQL, so that seeding takes seconds rather than the minutes the
// webhooks would: a million conferences for the list and fetch scenarios, and a million events for
// rebuild. The events are the real decider's output for one conference, repeated room after room with
// each room's own names, Sids, ids and times: shaped exactly like what the webhooks append.

import type pg from 'pg';
import { mintCommandId } from '../src/commands/command-id.js';
import { type CallState, initialCallState } from '../src/domain/call.js';
import type { RoomCommand } from '../src/domain/commands.js';
import { decideEach, plan } from '../src/domain/delivery.js';
import { conferenceSidFromUlid, isUlid } from '../src/domain/ids.js';
import { initialRoomState, type RoomState } from '../src/domain/room.js';
import { DEFAULT_ATTRIBUTES, joinAttributes } from '../src/webhooks/attributes.js';

/** 2025-01-01T00:00:00Z: every seeded time counts from here. */
const EPOCH_MS = 1_735_689_600_000;

export const SEEDED_ROOMS = 100_000;

/**
 * `count` conferences of one account, one a second, in rooms `room 0` … `room 99999` (so ten instances
 * a room); the newest instance of every tenth room is in progress, the rest completed.
 */
export async function seedConferences(client: pg.Client, accountSid: string, count: number): Promise<void> {
  await client.query(
    `INSERT INTO conferences (account_sid, sid, friendly_name, status, region, date_created, date_updated,
                              reason_conference_ended, call_sid_ending_conference)
     SELECT $1, 'CF' || lpad(to_hex(ms), 12, '0') || lpad(to_hex(i), 20, '0'), 'room ' || (i % $3),
            CASE WHEN live THEN 'in-progress' ELSE 'completed' END, 'us1',
            created, created + interval '5 minutes',
            CASE WHEN live THEN NULL ELSE 'last-participant-left' END,
            CASE WHEN live THEN NULL ELSE 'CA' || lpad(to_hex(i), 32, '0') END
     FROM generate_series(0, $2 - 1) i,
          LATERAL (SELECT $4::bigint + i * 1000 AS ms) m,
          LATERAL (SELECT timestamptz 'epoch' + ms * interval '1 millisecond' AS created,
                          i >= $2 - $3 AND i % 10 = 0 AS live) c`,
    [accountSid, count, SEEDED_ROOMS, EPOCH_MS],
  );
  await client.query('VACUUM ANALYZE conferences');
}

const TEMPLATE_ROOM = 'template room';
const TEMPLATE_CALLS = ['1', '2', '3'].map((n) => `CA${n.padStart(32, '0')}`);
/** Milliseconds between a room's webhooks, and between the starts of consecutive rooms. */
const STEP_MS = 20_000;
const STRIDE_MS = 1_000;

interface TemplateEvent {
  position: number;
  /** Which command of the conversation produced it, and its place among that command's events. */
  command: number;
  index: number;
  type: string;
  data: string;
}

/** One conference as the webhooks of scenario 1 play it: three joins, a mute, three hang-ups. */
function conversation(): RoomCommand[] {
  const [host, caller, guest] = TEMPLATE_CALLS as [string, string, string];
  const minted = (n: number) => mintCommandId(EPOCH_MS + n * STEP_MS);
  const join =
    (callSid: string, overrides: Partial<typeof DEFAULT_ATTRIBUTES>) =>
    (n: number): RoomCommand => ({
      type: 'JoinConference',
      ...minted(n),
      data: {
        callSid,
        friendlyName: TEMPLATE_ROOM,
        from: '+15550000001',
        to: '+15550000000',
        attributes: joinAttributes({ ...DEFAULT_ATTRIBUTES, ...overrides }),
        via: 'voice',
        sequenceNumber: null,
      },
    });
  const steps: ((n: number) => RoomCommand)[] = [
    join(host, { participantLabel: 'host', region: 'ie1' }),
    join(caller, { beep: 'onEnter' }),
    join(guest, { participantLabel: 'guest', muted: true, startConferenceOnEnter: false }),
    (n) => ({
      type: 'UpdateParticipant',
      ...minted(n),
      data: {
        callSid: caller,
        flags: {
          muted: true,
          hold: false,
          coaching: false,
          callSidToCoach: null,
          endConferenceOnExit: false,
        },
        sequenceNumber: 5,
      },
    }),
    (n) => ({
      type: 'LeaveConference',
      ...minted(n),
      data: { callSid: host, reason: 'left', sequenceNumber: 6 },
    }),
    (n) => ({ type: 'EndCall', ...minted(n), data: { callSid: host, callStatus: 'completed' } }),
    (n) => ({ type: 'EndCall', ...minted(n), data: { callSid: caller, callStatus: 'completed' } }),
    (n) => ({
      type: 'LeaveConference',
      ...minted(n),
      data: { callSid: guest, reason: 'left', sequenceNumber: 9 },
    }),
    (n) => ({ type: 'EndCall', ...minted(n), data: { callSid: guest, callStatus: 'completed' } }),
  ];
  return steps.map((step, n) => step(n));
}

/** The events the decider records for the conversation, with the room's names and Sids as placeholders. */
function templateEvents(): TemplateEvent[] {
  let room: RoomState = initialRoomState;
  const calls = new Map<string, CallState>();
  const events: TemplateEvent[] = [];
  let conferenceSid = '';
  for (const [n, command] of conversation().entries()) {
    const callSid = 'callSid' in command.data ? command.data.callSid : '';
    const call = calls.get(callSid) ?? initialCallState;
    const ran = decideEach(command, plan(command, call, null), [room], call);
    calls.set(callSid, ran.call);
    for (const applied of ran.applied) {
      room = applied.state;
      for (const [index, { event }] of applied.events.entries()) {
        if (event.type === 'ConferenceOpened') conferenceSid = event.data.conferenceSid;
        const data = JSON.stringify(event.data);
        events.push({ position: events.length + 1, command: n, index, type: event.type, data });
      }
    }
  }
  return events.map((event) => {
    let data = event.data.replaceAll(conferenceSid, '@conference@').replaceAll(TEMPLATE_ROOM, '@room@');
    for (const [i, sid] of TEMPLATE_CALLS.entries()) data = data.replaceAll(sid, `@call${i + 1}@`);
    return { ...event, data };
  });
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** SQL for the Crockford base32 digits of the low `digits × 5` bits of the bigint expression `value`. */
function base32(value: string, digits: number): string {
  return Array.from(
    { length: digits },
    (_, i) => `substr('${CROCKFORD}', ((${value} >> ${5 * (digits - 1 - i)}) & 31)::int + 1, 1)`,
  ).join(' || ');
}

// A ULID whose 80 random bits are the room number and the event's index within its command, so that ids
// are unique, and the events of one command count up from its id as the store numbers them.
const EVENT_ID = `${base32('ms', 10)} || '00000000000' || ${base32('g', 4)} || ${base32('index', 1)}`;
const CONFERENCE_SID = `'CF' || lpad(to_hex(opened_ms), 12, '0') || lpad(to_hex(g * 32), 20, '0')`;
const ISO_TIME = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const CALL_SID = (n: number) => `'CA' || lpad(to_hex(g), 31, '0') || '${n}'`;

const ROOMS_PER_STATEMENT = 10_000;

/**
 * At least `count` events: the template conversation in as many rooms as it takes, rooms overlapping in
 * time as real ones do, appended in time order. Returns how many.
 */
export async function seedEvents(client: pg.Client, accountSid: string, count: number): Promise<number> {
  const template = templateEvents();
  const rooms = Math.ceil(count / template.length);
  for (let first = 0; first < rooms; first += ROOMS_PER_STATEMENT) {
    await client.query(
      `WITH template AS (
         SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[])
                  AS t(position, command, index, type, data)
       ), timed AS (
         SELECT g, t.*, ms, $6::bigint + g * ${STRIDE_MS} AS opened_ms,
                timestamptz 'epoch' + ms * interval '1 millisecond' AS at
         FROM generate_series($7::bigint, $8::bigint) g CROSS JOIN template t,
              LATERAL (SELECT $6::bigint + g * ${STRIDE_MS} + t.command * ${STEP_MS} AS ms) m
       )
       INSERT INTO events (account_sid, friendly_name, stream_position, id, type, data, recorded_at)
       SELECT $9, 'bench room ' || g, position, ${EVENT_ID}, type,
              jsonb_set(
                replace(replace(replace(replace(replace(data,
                  '@room@', 'bench room ' || g), '@conference@', ${CONFERENCE_SID}),
                  '@call1@', ${CALL_SID(1)}), '@call2@', ${CALL_SID(2)}), '@call3@', ${CALL_SID(3)})::jsonb,
                '{at}', to_jsonb(${ISO_TIME})),
              at
       FROM timed ORDER BY ms, g, index`,
      [
        template.map((e) => e.position),
        template.map((e) => e.command),
        template.map((e) => e.index),
        template.map((e) => e.type),
        template.map((e) => e.data),
        EPOCH_MS,
        first,
        Math.min(rooms, first + ROOMS_PER_STATEMENT) - 1,
        accountSid,
      ],
    );
  }
  await checkShape(client);
  await client.query('VACUUM ANALYZE events');
  return rooms * template.length;
}

/** The ids and Sids made in SQL must be what the store would make: a ULID, and a Sid from the opening id. */
async function checkShape(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ id: string; sid: string }>(
    `SELECT id, data ->> 'conferenceSid' AS sid FROM events WHERE type = 'ConferenceOpened' LIMIT 3`,
  );
  for (const { id, sid } of rows) {
    if (!isUlid(id) || conferenceSidFromUlid(id) !== sid) {
      throw new Error(`seeded event ${id} opens ${sid}, which is not the Sid its id gives`);
    }
  }
}
