// Crash: `kill -9` of the Conclave process in the middle of a stream of webhooks, several times at random
// points, each time started again on the same address. Whatever was acknowledged before a kill must be in
// the store; what was in flight is either wholly there or wholly absent (its retry then finds it or makes
// it), never half-written.

import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/cli.js';
import { postgresKind } from '../helpers/databases.js';
import { Edge, faultSeed, httpTransport, playRooms, seeded } from './edge.js';
import { expectInvariants } from './invariants.js';
import { Ledger, report } from './ledger.js';
import { expectVerified, freePort, killHard, serve, tenant, useDatabases } from './servers.js';

const KILLS = 8;
const ROOMS = 24;
const CALLERS = 5;

describe.skipIf(!postgresKind)('crash: kill -9 mid-stream', () => {
  const fresh = useDatabases();
  let server: RunningServer | undefined;
  afterAll(async () => {
    if (server) await killHard(server);
  });

  it('loses nothing acknowledged and shows nothing half-written', async () => {
    const database = await fresh();
    const url = database.url as string;
    const { account, edge: edgeAccount } = await tenant(database);
    const port = String(await freePort());
    server = await serve(url, { PORT: port });
    const address = server.address;

    const seed = faultSeed('crash');
    const random = seeded(seed);
    const ledger = new Ledger();
    const edge = new Edge(
      edgeAccount,
      httpTransport(() => address),
      ledger,
    );
    const rooms = Array.from({ length: ROOMS }, (_, i) => `crash room ${i}`);
    const traffic = playRooms(edge, edgeAccount, rooms, CALLERS, random);

    const killedAt: number[] = [];
    const finished = traffic.then(() => true);
    let threshold = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      threshold += 30 + Math.floor(random() * 80);
      // Flows with fewer calls than usual may end before the last kill: nothing is left to cut short then.
      if (await Promise.race([ledger.acknowledgedAtLeast(threshold).then(() => false), finished])) break;
      killedAt.push(ledger.ok);
      await killHard(server);
      server = await serve(url, { PORT: port });
      expect(server.address).toBe(address);
      // Whatever the kill cut short is wholly there or wholly absent: the invariants hold right after it.
      await expectInvariants(database);
    }
    const flows = await traffic;
    expect(killedAt.length, 'killed several times mid-stream').toBeGreaterThanOrEqual(5);
    await server.stop();

    const counts = await ledger.reconcile(database, account.sid);
    expect(counts.acknowledged).toBe(ledger.deliveries.length);
    await expectInvariants(database);
    await expectVerified(url);
    report('crash', {
      ...counts,
      seed,
      kills: killedAt.length,
      calls: flows.calls,
    });
    console.log(`[faults] crash: killed after ${killedAt.join(', ')} acknowledged requests`);
  });
});
