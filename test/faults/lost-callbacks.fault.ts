// Lost callbacks: the platform gives up on some deliveries (Twilio's 15-second budget), so some calls'
// leaves and every conference-end never arrive, and their conferences would stay in-progress for ever. The
// reaper, judging by a clock the test sets, takes out each participant connected for MAX_CALL_DURATION or
// longer with an event in the log; their conferences complete by the usual rules, and nothing younger is
// touched. It runs in the server on its own, one replica at a time, and as `conclave reap`.

import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { deliver } from '../../src/commands/deliver.js';
import { reap } from '../../src/commands/reaper.js';
import { loadConfig } from '../../src/config.js';
import { type Server, startServer } from '../../src/server.js';
import type { Database } from '../../src/store/database.js';
import { testConfig } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { Clock, callSid, commands } from '../helpers/commands.js';
import { postgresKind } from '../helpers/databases.js';
import { Edge, faultSeed, injectTransport, playRooms, seeded, type Transport } from './edge.js';
import { expectInvariants } from './invariants.js';
import { Ledger, report } from './ledger.js';
import { expectVerified, PUBLIC_URL, tenant, useDatabases } from './servers.js';

const HOUR = 3600_000;
const FOUR_HOURS = 4 * 3600;
const LEAVES = ['/webhooks/dial-action', '/webhooks/call-status'];

/** Drops every conference-end, and every leave of the calls `lost` picks, as if the platform gave up. */
function lossy(transport: Transport, lost: (callSid: string) => boolean): Transport & { dropped: number } {
  const send: Transport & { dropped: number } = Object.assign(
    async (request: Parameters<Transport>[0]) => {
      const form = new URLSearchParams(request.body);
      const path = request.target.split('?')[0] ?? '';
      const event = form.get('StatusCallbackEvent');
      const leave = LEAVES.includes(path) || event === 'participant-leave';
      if (event === 'conference-end' || (leave && lost(form.get('CallSid') ?? ''))) {
        send.dropped += 1;
        return null;
      }
      return transport(request);
    },
    { dropped: 0 },
  );
  return send;
}

async function connected(database: Database): Promise<number> {
  const row = await database.db
    .selectFrom('participants')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'connected')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A participant that joined `hoursAgo` hours ago and whose leave never came. */
async function strandedSince(database: Database, hoursAgo: number, room: string, n: number): Promise<void> {
  const c = commands(new Clock(Date.now() - hoursAgo * HOUR));
  await deliver(database.db, {
    accountSid: `AC${'f'.repeat(32)}`,
    key: `stranded ${room} ${n}`,
    command: c.join(callSid(n), room),
    room: null,
  });
}

describe.skipIf(!postgresKind)('lost callbacks: the reaper', () => {
  const fresh = useDatabases();
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('completes conferences whose leaves were lost at MAX_CALL_DURATION, and not before', async () => {
    const database = await fresh();
    const app = await buildApp({ config: testConfig({ publicUrl: PUBLIC_URL }), database });
    const { account, edge: edgeAccount } = await tenant(database);
    const seed = faultSeed('lost-callbacks');
    const random = seeded(seed);
    const lostCalls = new Set<string>();
    const lost = (call: string) => {
      if (!lostCalls.has(call) && random() < 0.3) lostCalls.add(call);
      return lostCalls.has(call);
    };
    const transport = lossy(injectTransport(app), lost);
    const ledger = new Ledger();
    // No retries: a lost delivery is one the platform gave up on.
    // A platform that names no ConferenceSid: with one, a later conference's new Sid would tell Conclave that
    // the earlier one is over (DESIGN §2) before the reaper could; this scenario is about the reaper.
    const edge = new Edge(edgeAccount, transport, ledger, { deadlineMs: 0, withoutConferenceSids: true });
    const rooms = Array.from({ length: 12 }, (_, i) => `lost room ${i}`);
    const flows = await playRooms(edge, edgeAccount, rooms, 4, random);
    await app.close();

    const stranded = await connected(database);
    expect(stranded, 'some conferences are left live by the lost leaves').toBeGreaterThan(0);
    const young = await reap(database, { now: Date.now() + HOUR, maxCallDuration: FOUR_HOURS });
    expect(young).toEqual({ found: 0, timedOut: 0 });
    expect(await connected(database)).toBe(stranded);

    const later = Date.now() + 4 * HOUR + 60_000;
    const reaped = await reap(database, { now: later, maxCallDuration: FOUR_HOURS });
    expect(reaped?.found).toBe(stranded);
    // Fewer where a moderator's time-out ended the conference, taking the others out with it.
    expect(reaped?.timedOut).toBeGreaterThan(0);
    expect(await connected(database)).toBe(0);
    const live = await database.db.selectFrom('conferences').select('sid').where('status', '<>', 'completed');
    expect(await live.execute(), 'every conference completed').toEqual([]);
    const timedOut = await database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('type', '=', 'ParticipantLeft')
      .where(sql`data ->> 'reason'`, '=', 'timed-out')
      .executeTakeFirstOrThrow();
    expect(Number(timedOut.n)).toBe(reaped?.timedOut);
    // A sweep retried, or run by a second replica after the first, finds nothing left to do.
    expect(await reap(database, { now: later, maxCallDuration: FOUR_HOURS })).toEqual({
      found: 0,
      timedOut: 0,
    });

    // The leaves that never came are made by the reaper instead.
    const counts = await ledger.reconcile(database, account.sid, { alsoEndedBy: ['timed-out'] });
    await expectInvariants(database);
    await expectVerified(database.url as string);
    report('lost callbacks', {
      ...counts,
      seed,
      calls: flows.calls,
      'deliveries lost': transport.dropped,
      stranded,
      'timed out': reaped?.timedOut ?? 0,
    });
  });

  it('sweeps inside the server on its own, one replica at a time', async () => {
    const database = await fresh();
    // Three hours ago by the wall clock; the servers' clock is set two hours ahead of it.
    for (let n = 0; n < 6; n++) await strandedSince(database, 3, `stale room ${n % 2}`, n);
    await strandedSince(database, 1, 'fresh room', 99);
    const now = () => Date.now() + 2 * HOUR;

    // While another replica holds the sweep, a sweep does nothing at all.
    const blocked = await database.db.connection().execute(async (session) => {
      await sql`SELECT pg_advisory_lock(${0x436f6e63})`.execute(session);
      try {
        return await reap(database, { now: now(), maxCallDuration: FOUR_HOURS });
      } finally {
        await sql`SELECT pg_advisory_unlock(${0x436f6e63})`.execute(session);
      }
    });
    expect(blocked).toBeNull();
    expect(await connected(database)).toBe(7);

    const config = loadConfig({
      DATABASE_URL: database.url as string,
      PORT: '0',
      LOG_LEVEL: 'silent',
      PUBLIC_URL,
    });
    // Three replicas start at once; each sweeps at start, and they take turns.
    servers.push(...(await Promise.all([0, 1, 2].map(() => startServer(config, { print: () => {}, now })))));
    // The reaper's sweep is behind a timer in the servers: its outcome can only be watched in the database.
    const deadline = Date.now() + 15_000;
    while ((await connected(database)) > 1) {
      expect(Date.now(), 'the servers swept within 15 s').toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const left = await database.db
      .selectFrom('events')
      .select('data')
      .where('type', '=', 'ParticipantLeft')
      .execute();
    expect(left.map((e) => (e.data as { reason: string }).reason)).toEqual(Array(6).fill('timed-out'));
    await expectInvariants(database);
    await expectVerified(database.url as string);
  });

  it('runs as conclave reap', async () => {
    const database = await fresh();
    await strandedSince(database, 5, 'cli room', 1);
    await strandedSince(database, 5, 'cli room', 2);
    const env = { DATABASE_URL: database.url as string };
    const help = await runCli(['reap', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: conclave reap/);
    expect(help.stdout).toContain('MAX_CALL_DURATION');
    const result = await runCli(['reap'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe('Timed out 2 participants connected for 14400 s or more (2 found)');
    expect(await connected(database)).toBe(0);
    const rejected = await runCli(['reap'], { ...env, MAX_CALL_DURATION: 'forever' });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^conclave: MAX_CALL_DURATION is 'forever'/);
    await expectVerified(database.url as string);
  });
});
