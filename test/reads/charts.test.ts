// The charts' data against the event log itself: over a seeded day of calls, the live conferences and
// participants at every sample, and the durations and sizes of the conferences, are what folding the
// stored events says; and a conference's bars follow its joins, leaves, mutes and holds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../src/commands/deliver.js';
import type { RoomCommand } from '../../src/domain/commands.js';
import type { RoomEvent } from '../../src/domain/events.js';
import {
  DURATION_BUCKETS,
  type LoadPoint,
  participantBars,
  SIZE_BUCKETS,
  sampleTimes,
} from '../../src/reads/charts.js';
import { readsOf } from '../../src/reads/index.js';
import { newAccount, saveAccount } from '../../src/store/accounts.js';
import { readEvents } from '../../src/store/events.js';
import { Clock, callSid, commands } from '../helpers/commands.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';

const DAY_START = Date.UTC(2026, 10, 20);
const DAY_END = DAY_START + 86_400_000;
const MINUTE = 60_000;

/** A small deterministic generator, so that the day is the same on every run. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** A command stamped at `ms`. */
const at = (ms: number) => commands(new Clock(ms - 1000));

/** Rooms through a day: groups of callers join, some mute or hold for a while, and leave at random. */
function seededDay(): RoomCommand[] {
  const next = random(42);
  const timed: [number, RoomCommand][] = [];
  let call = 0;
  for (let group = 0; group < 60; group++) {
    const room = `room ${group % 7}`;
    const opened = DAY_START + Math.floor(next() * 86_000) * 1000;
    const size = 1 + Math.floor(next() * 6);
    for (let i = 0; i < size; i++) {
      const sid = callSid(++call);
      const joined = opened + i * 7000;
      const stay = Math.floor(next() * 3 * 3600) * 1000 + 1000;
      timed.push([joined, at(joined).join(sid, room)]);
      if (next() < 0.4) {
        const from = joined + Math.floor(stay / 3);
        timed.push([from, at(from).update(sid, { muted: true })]);
        timed.push([
          from + Math.floor(stay / 4),
          at(from + Math.floor(stay / 4)).update(sid, { hold: true }),
        ]);
      }
      // Some are still connected when the day ends.
      if (joined + stay < DAY_END) timed.push([joined + stay, at(joined + stay).hangUp(sid)]);
    }
  }
  // Each delivery's time is its own, so they go in the order they happened.
  return timed.sort((a, b) => a[0] - b[0]).map(([, command]) => command);
}

interface Interval {
  from: number;
  to: number;
}

/** Folds the stored events into the intervals each conference was live and each participant connected. */
function intervalsFromLog(events: RoomEvent[]) {
  const conferences = new Map<string, Interval & { calls: Set<string> }>();
  const participants: (Interval & { key: string })[] = [];
  const open = new Map<string, Interval & { key: string }>();
  for (const event of events) {
    const t = Date.parse(event.data.at);
    if (event.type === 'ConferenceOpened')
      conferences.set(event.data.conferenceSid, { from: t, to: Number.POSITIVE_INFINITY, calls: new Set() });
    if (event.type === 'ConferenceEnded') {
      const conference = conferences.get(event.data.conferenceSid);
      if (conference) conference.to = t;
    }
    if (event.type === 'ParticipantJoined') {
      const stay = { key: event.data.callSid, from: t, to: Number.POSITIVE_INFINITY };
      participants.push(stay);
      open.set(event.data.callSid, stay);
      conferences.get(event.data.conferenceSid)?.calls.add(event.data.callSid);
    }
    if (event.type === 'ParticipantLeft') {
      const stay = open.get(event.data.callSid);
      if (stay) stay.to = t;
      open.delete(event.data.callSid);
    }
  }
  return { conferences, participants };
}

const liveAt = (intervals: Iterable<Interval>, t: number) =>
  [...intervals].filter((i) => i.from <= t && t < i.to).length;

for (const kind of databaseKinds) {
  describe(`chart data against the event log over a seeded day (${kind.name})`, () => {
    let database: TestDatabase;
    let accountSid: string;
    let log: ReturnType<typeof intervalsFromLog>;
    let events: RoomEvent[];

    beforeAll(async () => {
      database = await kind.create();
      const account = newAccount('Charts');
      await saveAccount(database.db, account);
      accountSid = account.sid;
      for (const [i, command] of seededDay().entries()) {
        await deliver(database.db, { accountSid, key: `k${i}`, command, room: null });
      }
      events = (await readEvents(database.db, '0', 100_000)).map((stored) => stored.event);
      log = intervalsFromLog(events);
    }, 120_000);

    afterAll(async () => {
      await database?.drop();
    });

    const expected = (times: Date[]): LoadPoint[] =>
      times.map((time) => ({
        at: time,
        conferences: liveAt(log.conferences.values(), time.getTime()),
        participants: liveAt(log.participants, time.getTime()),
      }));

    it('counts live conferences and participants at every sample of the day and of its busiest hour', async () => {
      const reads = readsOf(database.db);
      const day = { end: new Date(DAY_END), spanMs: 86_400_000, stepMs: 15 * MINUTE };
      const series = await reads.load(accountSid, day);
      expect(series).toEqual(expected(sampleTimes(day)));
      // The seed is busy enough to show: conferences overlap and participants come and go.
      expect(Math.max(...series.map((p) => p.conferences))).toBeGreaterThan(2);
      expect(new Set(series.map((p) => p.participants)).size).toBeGreaterThan(5);

      const busiest = series.reduce((a, b) => (b.participants > a.participants ? b : a));
      const hour = { end: new Date(busiest.at.getTime() + 30 * MINUTE), spanMs: 60 * MINUTE, stepMs: MINUTE };
      expect(await reads.load(accountSid, hour)).toEqual(expected(sampleTimes(hour)));
    });

    it('sorts the completed conferences of a period by duration and by size as the log has them', async () => {
      const reads = readsOf(database.db);
      const from = new Date(DAY_START + 6 * 3600_000);
      const to = new Date(DAY_START + 18 * 3600_000);
      const ended = [...log.conferences.values()].filter(
        (c) => c.from >= from.getTime() && c.from < to.getTime() && c.to !== Number.POSITIVE_INFINITY,
      );
      const seconds = ended.map((c) => (c.to - c.from) / 1000);
      const sizes = ended.map((c) => c.calls.size);
      const count = (values: number[], low: number, below: number) =>
        values.filter((v) => v >= low && v < below).length;
      const result = await reads.distribution(accountSid, from, to);
      expect(result.conferences).toBe(ended.length);
      expect(ended.length).toBeGreaterThan(5);
      // Each bucket holds the values from the previous one's bound up to its own, exclusive.
      const expected = (values: number[], bounds: [string, number][]) =>
        bounds.map(([label, below], i) => ({ label, count: count(values, bounds[i - 1]?.[1] ?? 0, below) }));
      expect(result.durations).toEqual(expected(seconds, DURATION_BUCKETS));
      expect(result.sizes).toEqual(expected(sizes, SIZE_BUCKETS));
    });
  });
}

describe('bars of a conference', () => {
  it('run from join to leave, with the muted and held stretches between', () => {
    const t0 = Date.UTC(2026, 10, 20, 9);
    const c = (s: number) => at(t0 + s * 1000);
    const a = callSid(1);
    const b = callSid(2);
    const stamp = (command: RoomCommand) => command.at;
    const join = c(0).join(a, 'r');
    const join2 = c(10).join(b, 'r', { muted: true });
    const mute = c(20).update(a, { muted: true });
    const unmuteHold = c(30).update(a, { muted: false, hold: true });
    const leave = c(40).hangUp(a);
    const events: RoomEvent[] = [
      { type: 'ParticipantJoined', data: { ...joinData(a, stamp(join)), label: 'host' } },
      { type: 'ParticipantJoined', data: { ...joinData(b, stamp(join2)), muted: true } },
      { type: 'ParticipantUpdated', data: { ...flags(a, stamp(mute)), muted: true } },
      { type: 'ParticipantUpdated', data: { ...flags(a, stamp(unmuteHold)), hold: true } },
      {
        type: 'ParticipantLeft',
        data: { conferenceSid: CF, callSid: a, reason: 'hung-up', sequenceNumber: null, at: stamp(leave) },
      },
    ];
    const time = (s: number) => new Date(t0 + s * 1000);
    expect(participantBars(events)).toEqual([
      {
        callSid: a,
        label: 'host',
        joined: time(0),
        left: time(40),
        stretches: [
          { kind: 'muted', from: time(20), to: time(30) },
          { kind: 'held', from: time(30), to: time(40) },
        ],
      },
      {
        callSid: b,
        label: null,
        joined: time(10),
        left: null,
        stretches: [{ kind: 'muted', from: time(10), to: null }],
      },
    ]);
  });
});

const CF = `CF${'0'.repeat(32)}`;

function flags(call: string, when: string) {
  return {
    conferenceSid: CF,
    callSid: call,
    muted: false,
    hold: false,
    coaching: false,
    callSidToCoach: null,
    endConferenceOnExit: false,
    sequenceNumber: null,
    at: when,
  };
}

function joinData(call: string, when: string) {
  return {
    ...flags(call, when),
    from: null,
    to: null,
    label: null,
    beep: 'true' as const,
    startConferenceOnEnter: true,
  };
}
