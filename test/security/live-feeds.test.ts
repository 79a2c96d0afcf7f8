// Finding 3 of the hardening review: live feeds without limits. One session may hold only
// LIVE_FEEDS_PER_SESSION feeds and one account LIVE_FEEDS_PER_ACCOUNT at once (429 past the cap, a slot
// free again once a feed closes), and a feed resumed from further back than LIVE_RESUME_EVENTS gets a
// `reset` to the head of the log instead of the history.

import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { callSidOf } from '../../src/domain/events.js';
import { FEED_START, formatCursor, parseCursor, readFeed } from '../../src/store/feed.js';
import { apply } from '../api/seed.js';
import { type EventStream, logIn, openEventStream } from '../dashboard/helpers.js';
import { useApp } from '../helpers/app.js';
import { callSid, commands } from '../helpers/commands.js';
import { databaseKinds } from '../helpers/databases.js';

const limits = {
  ...loadConfig({}).limits,
  liveFeedsPerSession: 2,
  liveFeedsPerAccount: 3,
  liveResumeEvents: 5,
};

describe.each(databaseKinds)('live feed limits on $name', (kind) => {
  const t = useApp(kind, { limits });
  let feed: string;
  beforeAll(async () => {
    feed = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/live`;
  });

  async function status(cookie: string): Promise<number> {
    const response = await fetch(feed, { headers: { cookie } });
    const answer = response.status;
    await response.body?.cancel();
    return answer;
  }

  it('answers 429 past the cap of a session and of an account, and frees a slot when a feed closes', async () => {
    const open: EventStream[] = [];
    try {
      const first = await logIn(t.app, t.account);
      for (let n = 0; n < 2; n += 1) open.push(await openEventStream(feed, { cookie: first }));
      expect(open.map((stream) => stream.status)).toEqual([200, 200]);
      const refused = await fetch(feed, { headers: { cookie: first } });
      expect(refused.status).toBe(429);
      expect(await refused.text()).toMatch(/already follows 2 live feeds/);

      // Another session of the same account has a slot of its own, up to the account's cap of 3.
      const second = await logIn(t.app, t.account);
      open.push(await openEventStream(feed, { cookie: second }));
      expect(open[2]?.status).toBe(200);
      expect(await status(second)).toBe(429);
      // Another account is not held back by this one.
      const other = await openEventStream(feed, { cookie: await logIn(t.app, t.otherAccount) });
      open.push(other);
      expect(other.status).toBe(200);

      // Closing a feed frees its slot, as soon as the server has seen the socket close.
      open[0]?.close();
      const reopened = await waitForStatus(async () => openEventStream(feed, { cookie: first }), 200);
      open.push(reopened);
    } finally {
      for (const stream of open) stream.close();
    }
  });

  it('resets a feed resumed from too far back to the head, instead of replaying the history', async () => {
    const c = commands();
    const room = 'Long ago';
    await apply(t.database, t.account.sid, [c.join(callSid(1), room)]);
    const history = Array.from({ length: 6 }, (_, n) => [
      c.join(callSid(100 + n), room),
      c.leave(callSid(100 + n)),
    ]);
    await apply(t.database, t.account.sid, history.flat());
    const cookie = await logIn(t.app, t.account);
    // The feed shows a transaction once every older one on the server has ended (other test files'
    // databases share the server): wait until it shows the history's last event, so that the head a
    // resume is measured against is past the history.
    const log = await vi.waitFor(
      async () => {
        const events = await readFeed(t.database.db, { after: FEED_START, limit: 1000 });
        const last = events.at(-1);
        expect(last && callSidOf(last.event)).toBe(callSid(105));
        return events;
      },
      { timeout: 20_000 },
    );

    const stream = await openEventStream(feed, { cookie, 'last-event-id': '0:0' });
    const [reset] = await stream.until(1);
    stream.close();
    expect(reset?.event).toBe('reset');
    expect(parseCursor(reset?.id ?? '')).toBeDefined();

    // A cursor close to the head by position but before every transaction (no event was ever at it)
    // would replay the whole history: it gets a reset too.
    const head = log.at(-1)?.cursor ?? FEED_START;
    const crafted = await openEventStream(feed, {
      cookie,
      'last-event-id': formatCursor({ transactionId: 0n, globalPosition: head.globalPosition }),
    });
    const [first] = await crafted.until(1);
    crafted.close();
    expect(first?.event).toBe('reset');

    // From close behind the head, it resumes with exactly what it missed.
    const behind = log.at(-3)?.cursor ?? FEED_START;
    await apply(t.database, t.account.sid, [c.leave(callSid(1))]);
    const near = await openEventStream(feed, { cookie, 'last-event-id': formatCursor(behind) });
    const received = await near.waitFor((messages) =>
      messages.some((m) => m.data.includes('ConferenceEnded')),
    );
    near.close();
    expect(received.map((m) => [m.event, JSON.parse(m.data).type])).toEqual([
      ['change', 'ParticipantJoined'],
      ['change', 'ParticipantLeft'],
      ['change', 'ParticipantLeft'],
      ['change', 'ConferenceEnded'],
    ]);
  });
});

/** Opens a stream until one answers `wanted`; the server frees a slot when it sees the socket close. */
async function waitForStatus(
  open: () => Promise<EventStream>,
  wanted: number,
  boundMs = 10_000,
): Promise<EventStream> {
  const until = Date.now() + boundMs;
  for (;;) {
    const stream = await open();
    if (stream.status === wanted) return stream;
    stream.close();
    if (Date.now() > until) throw new Error(`no ${wanted} within ${boundMs} ms; last ${stream.status}`);
  }
}
