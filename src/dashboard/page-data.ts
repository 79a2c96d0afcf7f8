// What each dashboard page shows, put together from the read models and, for a timeline, the event log.

import type { RoomEvent } from '../domain/events.js';
import { canonicalSid, isSid } from '../domain/ids.js';
import { type ConferenceSummary, participantBars, type Reads } from '../reads/index.js';
import { Narrator } from './describe.js';
import { type ChartsView, PERIODS, type Period } from './views/charts-page.js';
import type { ConferenceView } from './views/conference.js';
import { participantName } from './views/conferences.js';
import type { Listed, Overview } from './views/overview.js';

const LIVE_SHOWN = 100;
const COMPLETED_SHOWN = 20;
const FOUND_SHOWN = 50;
const TIMELINE_SHOWN = 1000;
// Those who left a conference pile up without bound in a long-lived room; the page shows the latest.
const LEFT_SHOWN = 100;

async function withCounts(reads: Reads, accountSid: string, conferences: ConferenceSummary[]) {
  const counts = await reads.participantCounts(
    accountSid,
    conferences.map((c) => c.sid),
  );
  return conferences.map(
    (conference): Listed => ({ conference, participants: counts.get(conference.sid) ?? 0 }),
  );
}

export async function readOverview(reads: Reads, accountSid: string): Promise<Overview> {
  const [live, completed] = await Promise.all([
    reads.liveConferences(accountSid, LIVE_SHOWN + 1),
    reads.recentlyCompleted(accountSid, COMPLETED_SHOWN),
  ]);
  const shown = live.slice(0, LIVE_SHOWN);
  const present = await reads.connectedParticipants(
    accountSid,
    shown.map((c) => c.sid),
  );
  return {
    live: shown.map((conference) => ({
      conference,
      present: present.filter((p) => p.conferenceSid === conference.sid),
    })),
    moreLive: live.length > LIVE_SHOWN,
    completed: await withCounts(reads, accountSid, completed),
  };
}

/** A phone number as participants' numbers are stored (E.164): its digits, with the + if given. */
function phoneNumberIn(text: string): string | undefined {
  if (!/^\+?[\d\s().-]+$/.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  if (digits.length < 3) return undefined;
  return `${text.startsWith('+') ? '+' : ''}${digits}`;
}

/** Conferences whose room name holds the text, or that the CallSid, phone number or Sid it is took part in. */
export async function search(reads: Reads, accountSid: string, text: string): Promise<Listed[]> {
  const page = { size: FOUND_SHOWN, cursor: null };
  const phoneNumber = phoneNumberIn(text);
  const sid = canonicalSid(text);
  const found = await Promise.all([
    reads.conferencesNamed(accountSid, text, FOUND_SHOWN),
    isSid('CA', text) ? reads.conferences(accountSid, { callSid: sid }, page).then((p) => p.items) : [],
    phoneNumber === undefined
      ? []
      : reads.conferences(accountSid, { phoneNumber }, page).then((p) => p.items),
    isSid('CF', text) ? reads.conference(accountSid, sid).then((c) => (c ? [c] : [])) : [],
  ]);
  const bySid = new Map<string, ConferenceSummary>();
  for (const conference of found.flat()) bySid.set(conference.sid, conference);
  const conferences = [...bySid.values()].sort((a, b) => (a.sid < b.sid ? 1 : -1)).slice(0, FOUND_SHOWN);
  return withCounts(reads, accountSid, conferences);
}

export async function readConference(
  reads: Reads,
  accountSid: string,
  sid: string,
): Promise<ConferenceView | undefined> {
  const conference = await reads.conference(accountSid, sid);
  if (!conference) return undefined;
  // The path may name either Sid; rows, events and callbacks are kept under the minted one.
  const [participants, events, callbacks] = await Promise.all([
    reads.conferenceParticipants(accountSid, conference.sid, LEFT_SHOWN),
    reads.conferenceEvents(accountSid, conference.sid, { size: TIMELINE_SHOWN, cursor: null }),
    reads.conferenceCallbacks(accountSid, conference.sid),
  ]);
  const narrator = new Narrator();
  // Names from the read model cover calls whose join is older than the events shown.
  for (const participant of [...participants.present, ...participants.left])
    narrator.name(participant.callSid, participantName(participant));
  const timeline = [...(events?.items ?? [])].reverse().map((stored) => ({
    id: stored.id,
    at: stored.recordedAt,
    ...narrator.describe({ type: stored.type, data: stored.data } as RoomEvent),
  }));
  const bars = participantBars(
    [...(events?.items ?? [])]
      .reverse()
      .map((stored) => ({ type: stored.type, data: stored.data }) as RoomEvent),
  );
  return { conference, participants, timeline, earlier: events?.more ?? false, bars, callbacks };
}

const MINUTE = 60_000;

/** The charts page's data; `now` ends both load spans. */
export async function readCharts(
  reads: Reads,
  accountSid: string,
  period: Period,
  now: Date,
): Promise<ChartsView> {
  const [hour, day, distribution] = await Promise.all([
    reads.load(accountSid, { end: now, spanMs: 60 * MINUTE, stepMs: MINUTE }),
    reads.load(accountSid, { end: now, spanMs: 24 * 60 * MINUTE, stepMs: 15 * MINUTE }),
    reads.distribution(accountSid, new Date(now.getTime() - PERIODS[period][1] * 1000), now),
  ]);
  return { hour, day, period, distribution };
}
