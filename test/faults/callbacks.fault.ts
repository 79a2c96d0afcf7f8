// Callbacks through faults: three replicas deliver the account's events to its events URL while the app
// first refuses them, then answers slowly; one replica is killed with -9 while callbacks are pending and
// in flight, and PostgreSQL is restarted under them. At the end every callback the event log calls for has
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
import { type Cluster, postgresBin, startCluster } from './cluster.js';
import { Edge, httpTransport, playRooms, seeded } from './edge.js';
import { Ledger, report } from './ledger.js';
import { killHard, serve, tenant } from './servers.js';

const REPLICAS = 3;

/** The callbacks each conference's events call for, by folding the log as the outbox does. */
async function expectedPerConference(database: Database, accountSid: string): Promise<Map<string, number>> {
  const rows = await database.db
    .selectFrom('events')
    .select(['friendly_name', 'type', 'data'])
    .where('account_sid', '=', accountSid)
    .orderBy('friendly_name')
    .orderBy('stream_position')
    .execute();
  const states = new Map<string, CallbackConference>();
  for (const row of rows) {
    const event = { type: row.type, data: row.data } as RoomEvent;
    const sid = 'conferenceSid' in event.data ? event.data.conferenceSid : null;
    if (sid === null) continue;
    const { state } = callbacksFor(states.get(sid) ?? NEW_CALLBACK_CONFERENCE, event, {
      accountSid,
      friendlyName: row.friendly_name,
      timestamp: (at) => at,
    });
    states.set(sid, state);
  }
  return new Map([...states].map(([sid, state]) => [sid, state.sequence]));
}

function firstDeliveries(delivered: ReceivedCallback[]): Map<string, number[]> {
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const c of delivered) {
    const key = `${c.params.ConferenceSid}/${c.params.SequenceNumber}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = order.get(c.params.ConferenceSid ?? '') ?? [];
    list.push(Number(c.params.SequenceNumber));
    order.set(c.params.ConferenceSid ?? '', list);
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
    for (let i = 0; i < REPLICAS; i++) servers.push(await serve(url));

    let next = 0;
    const transport = httpTransport(() => (servers[next++ % servers.length] as RunningServer).address);
    const ledger = new Ledger();
    const edge = new Edge(edgeAccount, transport, ledger, { deadlineMs: 120_000 });
    const seed = Date.now();
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
    servers[0] = await serve(url);

    await ledger.acknowledgedAtLeast(80);
    await cluster.stop();
    await eventually(() => ledger.unavailable > 0, 'webhooks refused during the outage', 30_000);
    await cluster.start();
    const flows = await traffic;

    const expected = await expectedPerConference(database, account.sid);
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const deliveredKeys = () =>
      new Set(app.delivered().map((c) => `${c.params.ConferenceSid}/${c.params.SequenceNumber}`)).size;
    await eventually(() => deliveredKeys() >= total, `all ${total} callbacks`, 180_000);

    const order = firstDeliveries(app.delivered());
    expect([...order.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [sid, count] of expected) {
      expect(order.get(sid), `conference ${sid}`).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    }
    expect(app.received.every((c) => c.valid)).toBe(true);
    expect(app.overlapping, 'requests for one callback open at once').toBe(0);
    const tokens = new Map<string, string>();
    for (const c of app.received) {
      const key = `${c.params.ConferenceSid}/${c.params.SequenceNumber}`;
      expect(tokens.get(key) ?? c.idempotencyToken, key).toBe(c.idempotencyToken);
      tokens.set(key, c.idempotencyToken);
    }
    report('callbacks', {
      seed,
      calls: flows.calls,
      conferences: expected.size,
      'callbacks expected': total,
      requests: app.received.length,
      'delivered (2xx)': app.delivered().length,
      'repeats after a crash or outage': app.delivered().length - total,
    });
  });
});
