// The event log's asynchronous reader: commit order, filters, bounds, and above all never skipping an event
// whose transaction took its position early and committed late, which only a real server with two
// connections can show.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FeedHub } from '../../src/dashboard/feed-hub.js';
import { readsOf } from '../../src/reads/index.js';
import { newAccount } from '../../src/store/accounts.js';
import type { Database } from '../../src/store/database.js';
import { readEvents } from '../../src/store/events.js';
import {
  compareCursors,
  FEED_START,
  type FeedCursor,
  type FeedEvent,
  feedHead,
  formatCursor,
  parseCursor,
  readFeed,
} from '../../src/store/feed.js';
import { apply } from '../api/seed.js';
import { callSid, commands } from '../helpers/commands.js';
import { databaseKinds, postgresKind, type TestDatabase } from '../helpers/databases.js';
import { type Collector, collect, silentLog } from './helpers.js';

const ACCOUNT = `AC${'d'.repeat(32)}`;
const OTHER = `AC${'e'.repeat(32)}`;

/**
 * What the feed reads after `after` (for `accountSid`, if given) once `count` events have settled. On
 * PostgreSQL other transactions anywhere on the server (other tests) hold the snapshot's xmin back a while.
 */
async function settledFeed(
  database: Database,
  after: FeedCursor,
  accountSid: string | undefined,
  count: number,
): Promise<FeedEvent[]> {
  const read = () => readFeed(database.db, { after, limit: 100, ...(accountSid ? { accountSid } : {}) });
  await expect.poll(async () => (await read()).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(count);
  return read();
}

describe('feed cursors', () => {
  it('format as transaction_id:global_position and parse back', () => {
    const cursor = { transactionId: 18_446_744_073_709_551_615n, globalPosition: 9_223_372_036_854_775_807n };
    expect(parseCursor(formatCursor(cursor))).toEqual(cursor);
    expect(parseCursor('0:0')).toEqual(FEED_START);
  });

  it.each([
    '',
    '12',
    '12:',
    ':3',
    '1:2:3',
    '-1:2',
    '1.5:2',
    ' 1:2',
    '18446744073709551616:1',
    '1:9223372036854775808',
  ])('refuse %j', (text) => {
    expect(parseCursor(text)).toBeUndefined();
  });

  it('order by transaction first, then position', () => {
    const at = (transactionId: bigint, globalPosition: bigint) => ({ transactionId, globalPosition });
    expect(compareCursors(at(1n, 9n), at(2n, 1n))).toBe(-1);
    expect(compareCursors(at(2n, 1n), at(2n, 1n))).toBe(0);
    expect(compareCursors(at(2n, 2n), at(2n, 1n))).toBe(1);
  });
});

describe.each(databaseKinds)('reading the event log in commit order on $name', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await kind.create();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('reads every event once, in order, page by page, from the start or from the head', async () => {
    expect(await feedHead(database.db)).toEqual(FEED_START);
    const c = commands();
    await apply(database, ACCOUNT, [c.join(callSid(1), 'north'), c.join(callSid(2), 'north')]);
    await apply(database, OTHER, [c.join(callSid(3), 'south')]);
    await settledFeed(database, FEED_START, undefined, 6);
    const head = await feedHead(database.db);

    const pages: FeedEvent[][] = [];
    for (let after = FEED_START; ; ) {
      const page = await readFeed(database.db, { after, limit: 2 });
      if (page.length === 0) break;
      pages.push(page);
      after = (page.at(-1) as FeedEvent).cursor;
    }
    const read = pages.flat();
    // ConferenceOpened, ParticipantJoined, ConferenceStarted and the second join; then the other room.
    expect(read.map((e) => e.event.type)).toEqual([
      'ConferenceOpened',
      'ParticipantJoined',
      'ParticipantJoined',
      'ConferenceStarted',
      'ConferenceOpened',
      'ParticipantJoined',
    ]);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    const cursors = read.map((e) => e.cursor);
    expect([...cursors].sort(compareCursors)).toEqual(cursors);
    expect(new Set(cursors.map(formatCursor)).size).toBe(cursors.length);
    expect(head).toEqual(cursors.at(-1));
    expect(await readFeed(database.db, { after: head, limit: 10 })).toEqual([]);
  });

  it('filters by account and conference and stops at a bound', async () => {
    const all = await readFeed(database.db, { after: FEED_START, limit: 100 });
    const mine = await readFeed(database.db, { after: FEED_START, limit: 100, accountSid: ACCOUNT });
    expect(mine.map((e) => e.id)).toEqual(all.filter((e) => e.accountSid === ACCOUNT).map((e) => e.id));
    const conferenceSid = ((mine[0] as FeedEvent).event.data as { conferenceSid: string }).conferenceSid;
    const ofConference = await readFeed(database.db, { after: FEED_START, limit: 100, conferenceSid });
    expect(ofConference.map((e) => e.id)).toEqual(mine.map((e) => e.id));
    const through = (all[2] as FeedEvent).cursor;
    const bounded = await readFeed(database.db, { after: (all[0] as FeedEvent).cursor, through, limit: 100 });
    expect(bounded.map((e) => e.id)).toEqual(all.slice(1, 3).map((e) => e.id));
  });
});

describe.skipIf(!postgresKind)('a transaction that commits late on PostgreSQL', () => {
  let database: TestDatabase;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    database = await (postgresKind as NonNullable<typeof postgresKind>).create();
  });
  // A test that fails midway must not leave a transaction open: it would hold back every later read.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end()));
  });
  afterAll(async () => {
    await database.drop();
  });

  async function lastPosition(): Promise<string> {
    const row = await database.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('global_position').as('last'))
      .executeTakeFirst();
    return String(row?.last ?? '0');
  }

  async function connection(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: database.url ?? '' });
    await client.connect();
    clients.push(client);
    return client;
  }

  /** Appends one event in the client's open transaction, in a room named by its id, and returns the id. */
  async function append(client: pg.Client, accountSid: string): Promise<string> {
    const id = randomUUID();
    await client.query(
      `INSERT INTO events (account_sid, friendly_name, stream_position, id, type, data, recorded_at)
       VALUES ($1, $2, 1, $3, 'ConferenceStarted', $4, now())`,
      [
        accountSid,
        id,
        id,
        JSON.stringify({ conferenceSid: `CF${'0'.repeat(32)}`, at: new Date().toISOString() }),
      ],
    );
    return id;
  }

  it('is read after the earlier-committed one, never skipped, while a position-only reader skips it', async () => {
    const account = newAccount('Late commits').sid;
    const [early, late] = [await connection(), await connection()];
    const before = await feedHead(database.db);
    const positionBefore = await lastPosition();
    const byPosition = async (after: string) =>
      (await readEvents(database.db, after, 1000)).filter((e) => e.accountSid === account);

    // The early transaction appends first (lower position, lower transaction id) and stays open…
    await early.query('BEGIN');
    const first = await append(early, account);
    // …while one that starts after it appends and commits.
    await late.query('BEGIN');
    const second = await append(late, account);
    await late.query('COMMIT');

    // A reader by global_position alone sees the second event and moves past the first one's position.
    const seen = await byPosition(positionBefore);
    expect(seen.map((e) => e.room)).toEqual([second]);
    // The feed holds the second event back while the transaction before it is open.
    expect(await readFeed(database.db, { after: before, accountSid: account, limit: 100 })).toEqual([]);

    await early.query('COMMIT');
    const read = await settledFeed(database, before, account, 2);
    expect(read.map((e) => e.id)).toEqual([first, second]);
    // The position-only reader has lost the first event for good.
    expect(await byPosition((seen[0] as { globalPosition: string }).globalPosition)).toEqual([]);
  });

  it('is ordered by transaction when it took its position after the one that committed first', async () => {
    const account = newAccount('Positions against commits').sid;
    const [early, late] = [await connection(), await connection()];
    const before = await feedHead(database.db);
    // The early transaction gets its id first but appends last, so positions and commits disagree.
    await early.query('BEGIN');
    await early.query('SELECT pg_current_xact_id()');
    await late.query('BEGIN');
    const second = await append(late, account);
    await late.query('COMMIT');
    const first = await append(early, account);
    expect(await readFeed(database.db, { after: before, accountSid: account, limit: 100 })).toEqual([]);
    await early.query('COMMIT');
    const read = await settledFeed(database, before, account, 2);
    expect(read.map((e) => e.id)).toEqual([first, second]);
    const [a, b] = read as [FeedEvent, FeedEvent];
    expect(a.cursor.globalPosition).toBeGreaterThan(b.cursor.globalPosition);
  });

  it('reaches live listeners on two replicas exactly once each and in commit order', async () => {
    const account = newAccount('Listeners').sid;
    const [early, late] = [await connection(), await connection()];
    const replica = await database.openReplica(2);
    const hubs = [database, replica].map((d) => new FeedHub(readsOf(d.db), silentLog, { pollMs: 10 }));
    const received = hubs.map(() => collect());
    const stops = await Promise.all(
      hubs.map((hub, i) =>
        hub.subscribe(
          { accountSid: account, conferenceSid: null },
          null,
          (received[i] as Collector).listener,
        ),
      ),
    );
    await early.query('BEGIN');
    const first = await append(early, account);
    await late.query('BEGIN');
    const second = await append(late, account);
    await late.query('COMMIT');
    // Outside a transaction block: committed at once, while the early transaction is still open.
    const third = await append(late, account);
    await early.query('COMMIT');
    for (const r of received) expect((await r.until(3)).map((e) => e.id)).toEqual([first, second, third]);
    for (const stop of stops) stop();
    for (const hub of hubs) hub.close();
  });

  it('starts a listener from a cursor it brings, catching up on what the reader had passed', async () => {
    const hub = new FeedHub(readsOf(database.db), silentLog, { pollMs: 10, batch: 2 });
    const start = await feedHead(database.db);
    const c = commands();
    await apply(database, ACCOUNT, [c.join(callSid(10), 'east'), c.join(callSid(11), 'east')]);
    await settledFeed(database, start, ACCOUNT, 4);
    const early = collect();
    const stopEarly = await hub.subscribe({ accountSid: ACCOUNT, conferenceSid: null }, null, early.listener);
    await apply(database, ACCOUNT, [c.leave(callSid(11))]);
    const live = await early.until(1);
    // A second listener that comes with the cursor from before the joins gets them from the log, then
    // the leave the reader had already delivered live, each once.
    const late = collect();
    const stopLate = await hub.subscribe({ accountSid: ACCOUNT, conferenceSid: null }, start, late.listener);
    const caughtUp = await late.until(5);
    expect(caughtUp.map((e) => e.event.type)).toEqual([
      'ConferenceOpened',
      'ParticipantJoined',
      'ParticipantJoined',
      'ConferenceStarted',
      'ParticipantLeft',
    ]);
    expect(caughtUp.at(-1)?.id).toBe(live[0]?.id);
    const cursors: FeedCursor[] = caughtUp.map((e) => e.cursor);
    expect(new Set(cursors.map(formatCursor)).size).toBe(5);
    stopEarly();
    stopLate();
    hub.close();
  });
});
