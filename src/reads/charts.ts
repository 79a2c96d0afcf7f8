// What the dashboard's charts show, from the times the event log recorded: how many conferences were live
// and how many participants connected at each moment of a span, how long conferences lasted and how many
// took part, and one bar per participant of a conference. A participant row holds the times of its join
// and leave events, and a conference is live exactly while someone is connected to it (it opens with the
// first join and completes when the last one leaves), so the rows answer without replaying the log.

import { sql } from 'kysely';
import type { RoomEvent } from '../domain/events.js';
import type { Executor } from '../store/executor.js';

export interface LoadPoint {
  at: Date;
  conferences: number;
  participants: number;
}

export interface Span {
  end: Date;
  spanMs: number;
  stepMs: number;
}

/** The instants a span is sampled at, oldest first, the last one at its end. */
export function sampleTimes({ end, spanMs, stepMs }: Span): Date[] {
  const count = Math.floor(spanMs / stepMs);
  return Array.from({ length: count + 1 }, (_, i) => new Date(end.getTime() - (count - i) * stepMs));
}

/** Live conferences and connected participants at each sample of the span. */
export async function loadSeries(executor: Executor, accountSid: string, span: Span): Promise<LoadPoint[]> {
  const times = sampleTimes(span);
  const start = times[0] ?? span.end;
  const rows = await executor
    .selectFrom('participants')
    .select(['conference_sid', 'date_created', 'date_left'])
    .where('account_sid', '=', accountSid)
    .where('date_created', '<=', span.end)
    .where((eb) => eb.or([eb('date_left', 'is', null), eb('date_left', '>', start)]))
    .execute();
  return times.map((at) => {
    const t = at.getTime();
    const live = rows.filter(
      (r) => r.date_created.getTime() <= t && (r.date_left === null || r.date_left.getTime() > t),
    );
    return {
      at,
      conferences: new Set(live.map((r) => r.conference_sid)).size,
      participants: live.length,
    };
  });
}

export interface Bucket {
  label: string;
  count: number;
}

export interface Distribution {
  /** Conferences opened in the period and completed since. */
  conferences: number;
  durations: Bucket[];
  sizes: Bucket[];
}

/** Bucket labels with their exclusive upper bounds, in seconds and in participants. */
export const DURATION_BUCKETS: [string, number][] = [
  ['< 1 min', 60],
  ['1–5 min', 5 * 60],
  ['5–15 min', 15 * 60],
  ['15–30 min', 30 * 60],
  ['30–60 min', 60 * 60],
  ['1–2 h', 2 * 3600],
  ['≥ 2 h', Number.POSITIVE_INFINITY],
];

export const SIZE_BUCKETS: [string, number][] = [
  ['1', 2],
  ['2', 3],
  ['3–5', 6],
  ['6–10', 11],
  ['11–25', 26],
  ['26–50', 51],
  ['> 50', Number.POSITIVE_INFINITY],
];

/** Counts per bucket; a bucket holds the values below its bound and not below the previous one's. */
function histogram(values: number[], buckets: [string, number][]): Bucket[] {
  const counts = buckets.map(([label]) => ({ label, count: 0 }));
  for (const value of values) {
    const bucket = counts[buckets.findIndex(([, below]) => value < below)];
    if (bucket) bucket.count += 1;
  }
  return counts;
}

/** Durations in seconds from open to the last leave, and sizes in distinct calls, of completed conferences. */
export async function distribution(
  executor: Executor,
  accountSid: string,
  from: Date,
  to: Date,
): Promise<Distribution> {
  const rows = await executor
    .selectFrom('conferences as c')
    .innerJoin('participants as p', (join) =>
      join.onRef('p.account_sid', '=', 'c.account_sid').onRef('p.conference_sid', '=', 'c.sid'),
    )
    .select([
      'c.date_created',
      sql<Date>`max(p.date_left)`.as('ended'),
      sql<string>`count(DISTINCT p.call_sid)`.as('size'),
    ])
    .where('c.account_sid', '=', accountSid)
    .where('c.status', '=', 'completed')
    .where('c.date_created', '>=', from)
    .where('c.date_created', '<', to)
    .groupBy(['c.sid', 'c.date_created'])
    .execute();
  const seconds = rows.map((r) => (new Date(r.ended).getTime() - r.date_created.getTime()) / 1000);
  return {
    conferences: rows.length,
    durations: histogram(seconds, DURATION_BUCKETS),
    sizes: histogram(
      rows.map((r) => Number(r.size)),
      SIZE_BUCKETS,
    ),
  };
}

export interface Stretch {
  kind: 'muted' | 'held';
  from: Date;
  /** null while it goes on. */
  to: Date | null;
}

export interface ParticipantBar {
  callSid: string;
  label: string | null;
  joined: Date;
  /** null while connected. */
  left: Date | null;
  stretches: Stretch[];
}

/**
 * One bar per stay of a call in the conference, from its join to its leave, with the stretches it spent
 * muted or on hold, from the conference's events (oldest first).
 */
export function participantBars(events: readonly RoomEvent[]): ParticipantBar[] {
  const bars: ParticipantBar[] = [];
  const open = new Map<string, ParticipantBar>();
  const flag = (bar: ParticipantBar, kind: Stretch['kind'], on: boolean, at: Date) => {
    const current = bar.stretches.find((s) => s.kind === kind && s.to === null);
    if (on && !current) bar.stretches.push({ kind, from: at, to: null });
    if (!on && current) current.to = at;
  };
  for (const event of events) {
    if (event.type === 'ParticipantJoined') {
      const at = new Date(event.data.at);
      const bar: ParticipantBar = {
        callSid: event.data.callSid,
        label: event.data.label,
        joined: at,
        left: null,
        stretches: [],
      };
      flag(bar, 'muted', event.data.muted, at);
      flag(bar, 'held', event.data.hold, at);
      bars.push(bar);
      open.set(event.data.callSid, bar);
    } else if (event.type === 'ParticipantUpdated') {
      const bar = open.get(event.data.callSid);
      if (!bar) continue;
      const at = new Date(event.data.at);
      flag(bar, 'muted', event.data.muted, at);
      flag(bar, 'held', event.data.hold, at);
    } else if (event.type === 'ParticipantLeft') {
      const bar = open.get(event.data.callSid);
      if (!bar) continue;
      const at = new Date(event.data.at);
      bar.left = at;
      for (const stretch of bar.stretches) stretch.to ??= at;
      open.delete(event.data.callSid);
    }
  }
  return bars;
}
