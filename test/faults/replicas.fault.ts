// Replicas: three Conclave processes on one database, and a load balancer that sends every attempt to any
// of them. Calls join, move, leave, come back and hang up in the same few rooms all at once, so that every
// race of §2 is run for real: first joins to an empty room, a full room, a leave crossing a join, a moderator
// ending the conference while others join, coaches joining and stopping. Two accounts share the rooms' names
// (in several scripts). The invariants must hold in every snapshot taken during the storm and at its end,
// and each account's REST API must show what the reference model expects from what it was told.

import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/cli.js';
import { postgresKind } from '../helpers/databases.js';
import { newCallSid } from '../webhooks/client.js';
import { Edge, type EdgeAccount, faultSeed, httpTransport, seeded } from './edge.js';
import { eventLog, keepingEvidence, sentBy } from './evidence.js';
import { expectInvariants } from './invariants.js';
import { Ledger, report } from './ledger.js';
import { expectVerified, killHard, serve, tenant, useDatabases } from './servers.js';

const REPLICAS = 3;
const ROOMS = ['replica room 0', 'salle réplique 1', '複製ルーム 2', 'replica 🎧 3'];
const ACCOUNTS = 2;
const CALLS = 500;
/**
 * Calls in progress at once. All 500 at once queue for the pools' connections past their 3 s wait and get
 * 503s, which is overload rather than a race: the platform spreads calls out, and this scenario expects no
 * 503 at all, so that a 503 from contention cannot hide among them.
 */
const AT_ONCE = 100;
/** Room 0 is small, so that concurrent joins race for its last seats. */
const SMALL_ROOM = { name: ROOMS[0] as string, maxParticipants: 8 };

type Random = () => number;

interface Storm {
  random: Random;
  seq: () => string;
  /** Calls that have joined somewhere, per account: whom a coach may coach. */
  joined: Map<string, string[]>;
}

/** One call's life, each step a webhook the platform would send for it. */
async function callLife(edge: Edge, account: EdgeAccount, { random, seq, joined }: Storm): Promise<void> {
  const callSid = newCallSid();
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const others = joined.get(account.accountSid) ?? [];
  joined.set(account.accountSid, others);
  // A coach names a call that joined somewhere: in another room, or gone, the join is refused.
  const coached = others.length > 0 && random() < 0.15 ? pick(others) : null;
  const form = (extra: Record<string, string> = {}) => ({
    AccountSid: account.accountSid,
    CallSid: callSid,
    From: '+15550100',
    To: '+15550199',
    ...extra,
  });
  const join = (room: string) =>
    edge.send('/webhooks/voice', form({ CallStatus: 'ringing' }), {
      FriendlyName: room,
      startConferenceOnEnter: String(random() < 0.7),
      endConferenceOnExit: String(random() < 0.04),
      ...(room === SMALL_ROOM.name ? { maxParticipants: String(SMALL_ROOM.maxParticipants) } : {}),
      ...(coached === null ? {} : { coach: coached }),
    });
  let room = pick(ROOMS);
  await join(room);
  others.push(callSid);
  if (random() < 0.3) {
    room = pick(ROOMS);
    await join(room);
  }
  const participant = (event: string, coaching: Record<string, string> = { Coaching: 'false' }) =>
    edge.send(
      '/webhooks/conference-status',
      form({
        FriendlyName: room,
        StatusCallbackEvent: event,
        SequenceNumber: seq(),
        Muted: String(random() < 0.5),
        Hold: 'false',
        EndConferenceOnExit: 'false',
        ...coaching,
      }),
    );
  if (random() < 0.5) await participant('participant-mute', { Coaching: String(coached !== null) });
  // A coach stops coaching, or a participant starts coaching someone (the platform names whom).
  if (coached !== null && random() < 0.5) await participant('participant-modify');
  else if (random() < 0.1) {
    await participant('participant-modify', { Coaching: 'true', CallSidToCoach: pick(others) });
  }
  const way = random();
  if (way < 0.35) {
    await edge.send(
      '/webhooks/dial-action',
      form({ CallStatus: 'in-progress', DialCallStatus: 'answered' }),
      {
        FriendlyName: room,
      },
    );
    // A call whose dial ended may dial in again.
    if (random() < 0.5) await join(pick(ROOMS));
  } else if (way < 0.6) {
    await participant('participant-leave');
  }
  await edge.send('/webhooks/call-status', form({ CallStatus: 'completed', CallDuration: '42' }));
}

describe.skipIf(!postgresKind)('replicas: three processes on one database', () => {
  const fresh = useDatabases();
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map(killHard));
  });

  it('keeps every invariant of the rooms under joins and leaves sprayed over all three', async () => {
    const database = await fresh();
    const url = database.url as string;
    const tenants = await Promise.all(Array.from({ length: ACCOUNTS }, () => tenant(database)));
    servers.push(...(await Promise.all(Array.from({ length: REPLICAS }, () => serve(url)))));
    const seed = faultSeed('replicas');
    const random = seeded(seed);
    const balance = () => (servers[Math.floor(random() * servers.length)] as RunningServer).address;
    // A fifth of the deliveries race a copy of themselves through another replica.
    const edges = tenants.map(
      ({ edge }) => new Edge(edge, httpTransport(balance), new Ledger(), { doubled: 0.2, random }),
    );
    let sequence = 0;
    const storm: Storm = { random, seq: () => String(++sequence), joined: new Map() };
    let started = 0;
    const caller = async () => {
      for (let i = started++; i < CALLS; i = started++) {
        await callLife(
          edges[i % ACCOUNTS] as Edge,
          (tenants[i % ACCOUNTS] as (typeof tenants)[number]).edge,
          storm,
        );
      }
    };
    const done = Promise.all(Array.from({ length: AT_ONCE }, caller));
    // Snapshots taken while the storm runs: the invariants hold between any two commits, not only at rest.
    let snapshots = 0;
    for (const share of [0.2, 0.4, 0.6, 0.8]) {
      // Every call makes at least two deliveries, its voice webhook and its final status.
      await (edges[0] as Edge).ledger.acknowledgedAtLeast(Math.floor((CALLS * 2 * share) / ACCOUNTS));
      await expectInvariants(database);
      snapshots += 1;
    }
    await done;
    await Promise.all(servers.map((server) => server.stop()));

    const evidence = async () => ({
      deliveries: edges.map(({ ledger }) => sentBy(ledger)),
      events: await eventLog(database),
    });
    for (const [i, { ledger }] of edges.entries()) {
      const accountSid = (tenants[i] as (typeof tenants)[number]).account.sid;
      const counts = await keepingEvidence('replicas', seed, evidence, () =>
        ledger.reconcile(database, accountSid),
      );
      const unanswered = ledger.deliveries.filter(
        (d) => (d.statuses.findLast((s) => s !== null) ?? 500) >= 500,
      );
      expect(unanswered, 'every delivery answered in the end').toEqual([]);
      report(`replicas (account ${i + 1})`, { ...counts, seed, 'sent twice at once': ledger.raced });
    }
    const rules = await expectInvariants(database);
    const live = await database.db
      .selectFrom('conferences')
      .select('sid')
      .where('status', '<>', 'completed')
      .execute();
    expect(live, 'every call hung up, so every conference completed').toEqual([]);
    const rejected = await database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('type', '=', 'JoinRejected')
      .executeTakeFirstOrThrow();
    await expectVerified(url);
    report('replicas', {
      seed,
      replicas: REPLICAS,
      accounts: ACCOUNTS,
      calls: CALLS,
      'joins refused': Number(rejected.n),
      'invariant snapshots': snapshots + 1,
      rules,
    });
  });
});
