// Callbacks through faults: three replicas, holding each conference's callbacks for the platform's Sid
// (CALLBACK_SID_WAIT), deliver the account's events to its events URL while the app first refuses them,
// then answers slowly; one replica is killed with -9 while callbacks are pending and in flight, and
// PostgreSQL is restarted under them. At the end every callback the event log calls for has
// arrived (counted per conference by folding the log), each conference's in SequenceNumber order, each
// validated with the official `twilio` package, and no callback was ever being sent twice at the same time.

import { afterAll, describe, expect, it } from 'vitest';
import {
  type CallbackConference,
  callbacksFor,
  NEW_CALLBACK_CONFERENCE,
} from '../../src/domain/callbacks.js';
import type { RoomEvent } from '../../src/domain/events.js';
import { setEventsUrl } from '../../src/store/callbacks.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import {
  type CallbackReceiver,
  eventually,
  type ReceivedCallback,
  startReceiver,
} from '../helpers/callback-receiver.js';
import type { RunningServer } from '../helpers/cli.js';
import { newCallSid } from '../webhooks/client.js';
import { type Cluster, postgresBin, startCluster } from './cluster.js';
import { Edge, faultSeed, httpTransport, playRooms, probeJoin, seeded } from './edge.js';
import { Ledger, report } from './ledger.js';
import { killHard, serve, tenant } from './servers.js';

const REPLICAS = 3;
/** The replicas hold a conference's callbacks for the platform's Sid, as a Twilio deployment would. */
const SERVER_ENV = { CALLBACK_SID_WAIT: '2s' };

/**
 * The callbacks each conference's events call for, by folding the log as the outbox does: the numbers of
 * its status callbacks in order, and how many recording callbacks (which carry no SequenceNumber).
 */
async function expectedPerConference(
  database: Database,
  accountSid: string,
): Promise<{ status: Map<string, number[]>; recordings: number }> {
  const rows = await database.db
    .selectFrom('events')
    .select(['friendly_name', 'type', 'data'])
    .where('account_sid', '=', accountSid)
    .orderBy('friendly_name')
    .orderBy('stream_position')
    .execute();
  const states = new Map<string, CallbackConference>();
  const status = new Map<string, number[]>();
  let recordings = 0;
  for (const row of rows) {
    const event = { type: row.type, data: row.data } as RoomEvent;
    const sid = 'conferenceSid' in event.data ? event.data.conferenceSid : null;
    if (sid === null) continue;
    const { state, callbacks } = callbacksFor(states.get(sid) ?? NEW_CALLBACK_CONFERENCE, event, {
      accountSid,
      friendlyName: row.friendly_name,
      timestamp: (at) => at,
    });
    states.set(sid, state);
    for (const callback of callbacks) {
      if (callback.channel === 'recording') recordings += 1;
      else status.set(sid, [...(status.get(sid) ?? []), callback.sequenceNumber]);
    }
  }
  return { status, recordings };
}

/**
 * The Sid Conclave minted for each Sid a callback may name: a callback names the platform's Sid once the
 * platform has reported it, and the minted one before.
 */
async function mintedSids(database: Database, accountSid: string): Promise<Map<string, string>> {
  const rows = await database.db
    .selectFrom('conferences')
    .select(['sid', 'platform_sid'])
    .where('account_sid', '=', accountSid)
    .execute();
  return new Map(rows.flatMap((r) => (r.platform_sid ? [[r.platform_sid, r.sid] as const] : [])));
}

function firstDeliveries(
  delivered: ReceivedCallback[],
  key: (c: ReceivedCallback) => string,
): Map<string, number[]> {
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const c of delivered) {
    if (seen.has(key(c))) continue;
    seen.add(key(c));
    const conference = key(c).split('/')[0] as string;
    const list = order.get(conference) ?? [];
    list.push(Number(c.params.SequenceNumber));
    order.set(conference, list);
  }
  return order;
}

describe.skipIf(postgresBin() === undefined)('callbacks through crashes, an outage and replicas', () => {
  let cluster: Cluster | undefined;
  let database: Database | undefined;
  let receiver: CallbackReceiver | undefined;
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map(killHard));
    await receiver?.close();
    await database?.close();
    await cluster?.destroy();
  });

  // The wait after a crash is bounded by the lease (30 s) and the backoff the refusals built up.
  it('delivers every callback once the app answers, in order, never twice at once', {
    timeout: 420_000,
  }, async () => {
    cluster = await startCluster();
    const url = cluster.url;
    database = await openDatabase({ kind: 'postgres', url });
    await migrate(database);
    const { account, edge: edgeAccount } = await tenant(database);
    const app = await startReceiver(() => account.authToken);
    receiver = app;
    app.behave(() => 'error');
    await setEventsUrl(database.db, account.sid, `${app.url}/events`);
    for (let i = 0; i < REPLICAS; i++) servers.push(await serve(url, SERVER_ENV));

    let next = 0;
    const transport = httpTransport(() => (servers[next++ % servers.length] as RunningServer).address);
    const ledger = new Ledger();
    const edge = new Edge(edgeAccount, transport, ledger, { deadlineMs: 120_000 });
    const seed = faultSeed('callbacks');
    const rooms = Array.from({ length: 8 }, (_, i) => `callback fault room ${i}`);
    const traffic = playRooms(edge, edgeAccount, rooms, 4, seeded(seed));

    // The app refuses at first: callbacks pile up, pending, each conference behind its first.
    await ledger.acknowledgedAtLeast(40);
    await eventually(() => app.received.length >= 10, 'refused callbacks', 60_000);
    // Then it answers, slowly, so that callbacks are in flight when a replica dies.
    app.delayMs = 300;
    app.behave(() => 'ok');
    const inFlight = app.received.length;
    await eventually(() => app.received.length > inFlight, 'a callback in flight', 60_000);
    await killHard(servers[0] as RunningServer);
    servers[0] = await serve(url, SERVER_ENV);

    await ledger.acknowledgedAtLeast(80);
    await cluster.stop();
    // The flows may have sent everything by now: a probe shows the outage refuses webhooks (one attempt,
    // its own ledger, as it belongs to no flow).
    const probe = new Edge(edgeAccount, transport, new Ledger(), { deadlineMs: 0 });
    expect((await probeJoin(probe, edgeAccount, newCallSid(), 'callback outage probe')).status).toBe(503);
    await cluster.start();
    const flows = await traffic;

    const { status: expected, recordings } = await expectedPerConference(database, account.sid);
    const total = [...expected.values()].reduce((n, list) => n + list.length, 0) + recordings;
    const minted = await mintedSids(database, account.sid);
    // A status callback is its conference and SequenceNumber; a recording callback has no SequenceNumber,
    // and is told apart by its idempotency token.
    const keyOf = (c: ReceivedCallback) => {
      const sid = c.params.ConferenceSid ?? '';
      const which = c.params.SequenceNumber ?? `recording ${c.idempotencyToken}`;
      return `${minted.get(sid) ?? sid}/${which}`;
    };
    const deliveredKeys = () => new Set(app.delivered().map(keyOf)).size;
    await eventually(() => deliveredKeys() >= total, `all ${total} callbacks`, 180_000);

    const statusCallbacks = app.delivered().filter((c) => c.params.SequenceNumber !== undefined);
    const order = firstDeliveries(statusCallbacks, keyOf);
    expect([...order.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [sid, numbers] of expected) expect(order.get(sid), `conference ${sid}`).toEqual(numbers);
    expect(app.received.every((c) => c.valid)).toBe(true);
    expect(app.overlapping, 'requests for one callback open at once').toBe(0);
    const tokens = new Map<string, string>();
    for (const c of app.received) {
      const key = keyOf(c);
      expect(tokens.get(key) ?? c.idempotencyToken, key).toBe(c.idempotencyToken);
      tokens.set(key, c.idempotencyToken);
    }
    report('callbacks', {
      seed,
      calls: flows.calls,
      conferences: expected.size,
      'callbacks expected': total,
      'of them recording callbacks': recordings,
      requests: app.received.length,
      'delivered (2xx)': app.delivered().length,
      'repeats after a crash or outage': app.delivered().length - total,
    });
  });
});
