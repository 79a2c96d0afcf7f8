// Replicas: three Conclave processes on one database, and a load balancer that sends every attempt to any
// of them. Calls join, move, leave, come back and hang up in the same few rooms all at once, so that every
// race of §2 is run for real: first joins to an empty room, a full room, a leave crossing a join, a moderator
// ending the conference while others join. The invariants must hold in every snapshot taken during the
// storm and at its end.

import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/cli.js';
import { postgresKind } from '../helpers/databases.js';
import { newCallSid } from '../webhooks/client.js';
import { callFormOf, Edge, type EdgeAccount, httpTransport } from './edge.js';
import { expectInvariants } from './invariants.js';
import { report } from './ledger.js';
import { expectVerified, useReplicas } from './servers.js';

const REPLICAS = 3;
const ROOMS = ['replica room 0', 'replica room 1', 'replica room 2', 'replica room 3'];
const CALLS = 500;
/** Room 0 is small, so that concurrent joins race for its last seats. */
const SMALL_ROOM = { name: ROOMS[0] as string, maxParticipants: 8 };

type Random = () => number;

/** One call's life, each step a webhook the platform would send for it. */
async function callLife(edge: Edge, account: EdgeAccount, random: Random, seq: () => string): Promise<void> {
  const callSid = newCallSid();
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const form = callFormOf(account, callSid);
  const join = (room: string) =>
    edge.send('/webhooks/voice', form({ CallStatus: 'ringing' }), {
      FriendlyName: room,
      startConferenceOnEnter: String(random() < 0.7),
      endConferenceOnExit: String(random() < 0.04),
      ...(room === SMALL_ROOM.name ? { maxParticipants: String(SMALL_ROOM.maxParticipants) } : {}),
    });
  let room = pick(ROOMS);
  await join(room);
  if (random() < 0.3) {
    room = pick(ROOMS);
    await join(room);
  }
  const participant = (event: string) =>
    edge.send(
      '/webhooks/conference-status',
      form({
        FriendlyName: room,
        StatusCallbackEvent: event,
        SequenceNumber: seq(),
        Muted: String(random() < 0.5),
        Hold: 'false',
        Coaching: 'false',
        EndConferenceOnExit: 'false',
      }),
    );
  if (random() < 0.5) await participant('participant-mute');
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
  const replicas = useReplicas(REPLICAS);

  it('keeps every invariant of the rooms under joins and leaves sprayed over all three', async () => {
    const { database, url, account, edge: edgeAccount, servers, seed, random, ledger } = await replicas();
    const balance = () => (servers[Math.floor(random() * servers.length)] as RunningServer).address;
    // A fifth of the deliveries race a copy of themselves through another replica.
    const edge = new Edge(edgeAccount, httpTransport(balance), ledger, { doubled: 0.2, random });
    let sequence = 0;
    const seq = () => String(++sequence);

    const storm = Promise.all(Array.from({ length: CALLS }, () => callLife(edge, edgeAccount, random, seq)));
    // Snapshots taken while the storm runs: the invariants hold between any two commits, not only at rest.
    let snapshots = 0;
    for (const share of [0.2, 0.4, 0.6, 0.8]) {
      // Every call makes at least two deliveries, its voice webhook and its final status.
      await ledger.acknowledgedAtLeast(Math.floor(CALLS * 2 * share));
      await expectInvariants(database);
      snapshots += 1;
    }
    await storm;
    await Promise.all(servers.map((server) => server.stop()));

    const counts = await ledger.reconcile(database, account.sid);
    expect(counts.acknowledged).toBe(ledger.deliveries.length);
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
      ...counts,
      seed,
      replicas: REPLICAS,
      calls: CALLS,
      'joins refused': Number(rejected.n),
      'invariant snapshots': snapshots + 1,
      'sent twice at once': ledger.raced,
      rules,
    });
  });
});
