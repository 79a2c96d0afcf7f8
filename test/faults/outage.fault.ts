// Database outage: the PostgreSQL cluster under a running Conclave is stopped in the middle of a stream of
// webhooks and started again. While it is down webhooks get 503 at once (the platform retries), /readyz
// says 503 and /healthz 200; once it is back the same process serves everything again, and nothing that
// was acknowledged is lost.

import { setTimeout as pause } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/store/accounts.js';
import type { Database } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import type { RunningServer } from '../helpers/cli.js';
import { newCallSid } from '../webhooks/client.js';
import { type Cluster, postgresBin, startCluster } from './cluster.js';
import { Edge, faultSeed, httpTransport, playRooms, probeJoin, seeded } from './edge.js';
import { expectInvariants } from './invariants.js';
import { Ledger, report } from './ledger.js';
import { expectVerified, killHard, serve, tenant } from './servers.js';

/** A 503 must come before the platform's own timeout would make it give up on us. */
const FAST_MS = 2000;
const READY_WITHIN_MS = 30_000;
const OUTAGES = 2;

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

/** A REST read of the account's conferences. */
function read(address: string, account: Account): Promise<Response> {
  const authorization = `Basic ${Buffer.from(`${account.sid}:${account.authToken}`).toString('base64')}`;
  return fetch(`${address}/2010-04-01/Accounts/${account.sid}/Conferences.json`, {
    headers: { authorization },
  });
}

describe.skipIf(postgresBin() === undefined)('database outage', () => {
  let cluster: Cluster | undefined;
  let database: Database | undefined;
  let server: RunningServer | undefined;
  afterAll(async () => {
    if (server) await killHard(server);
    await database?.close();
    await cluster?.destroy();
  });

  it('answers 503 fast while PostgreSQL is down, serves fully when it is back, and loses nothing', async () => {
    cluster = await startCluster();
    database = await openDatabase({ kind: 'postgres', url: cluster.url });
    await migrate(database);
    const { account, edge: edgeAccount } = await tenant(database);
    server = await serve(cluster.url);
    const running = server;
    const seed = faultSeed('outage');
    const ledger = new Ledger();
    const transport = httpTransport(() => running.address);
    const edge = new Edge(edgeAccount, transport, ledger, { deadlineMs: 120_000 });
    const rooms = Array.from({ length: 16 }, (_, i) => `outage room ${i}`);
    const traffic = playRooms(edge, edgeAccount, rooms, 5, seeded(seed));

    // One attempt only: the platform would retry it, this probe checks it was not kept.
    const probe = new Edge(edgeAccount, transport, ledger, { deadlineMs: 0 });
    let downMs = 0;
    for (let outage = 1; outage <= OUTAGES; outage++) {
      // Well short of what the flows send in all (four or more deliveries per caller), so that the stream
      // is still running at each outage.
      await ledger.acknowledgedAtLeast(100 * outage);
      const downAt = performance.now();
      await cluster.stop();
      expect(await status(`${running.address}/healthz`)).toBe(200);
      expect(await status(`${running.address}/readyz`)).toBe(503);
      const unavailable = await read(running.address, account);
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBe('1');
      expect(await unavailable.json()).toMatchObject({ code: 20503, status: 503 });
      const refused = await probeJoin(probe, edgeAccount, newCallSid(), 'outage probe');
      expect(refused.status).toBe(503);
      await ledger.unavailableAtLeast(100 * outage);
      expect(await status(`${running.address}/readyz`)).toBe(503);
      await cluster.start();
      downMs += Math.round(performance.now() - downAt);

      // Readiness is the only thing to wait on: the process boundary leaves no event to listen for.
      const back = performance.now() + READY_WITHIN_MS;
      while ((await status(`${running.address}/readyz`)) !== 200) {
        expect(performance.now(), '/readyz 200 again without a restart').toBeLessThan(back);
        await pause(100);
      }
      expect((await probeJoin(probe, edgeAccount, newCallSid(), 'outage probe')).status).toBe(200);
      expect((await read(running.address, account)).status).toBe(200);
    }
    const flows = await traffic;
    expect(running.child.exitCode, 'the same process served throughout').toBeNull();
    await running.stop();

    expect(ledger.slowestUnavailableMs).toBeLessThan(FAST_MS);
    const counts = await ledger.reconcile(database, account.sid, { outages: true });
    expect(counts.acknowledged, 'all but the refused probes').toBe(ledger.deliveries.length - OUTAGES);
    await expectInvariants(database);
    await expectVerified(cluster.url);
    report('outage', {
      ...counts,
      seed,
      'slowest 503 ms': ledger.slowestUnavailableMs,
      outages: OUTAGES,
      'down ms': downMs,
      calls: flows.calls,
    });
  });
});
