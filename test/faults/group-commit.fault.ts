// Group commit under a storm: four replicas (four processes, each with its own pool) on one database, 64
// connections to each, calls joining, leaving by their <Dial action>, coming back and hanging up in 50 rooms
// for 20 seconds, a tenth of the deliveries racing a copy of themselves. Batches of many deliveries lock,
// decide and commit together; the log must still hold every acknowledged delivery exactly once, and each
// room at most one live conference, as one-delivery transactions guaranteed.

import { describe, expect, it } from 'vitest';
import { postgresKind } from '../helpers/databases.js';
import { newCallSid } from '../webhooks/client.js';
import { parseTwiml } from '../webhooks/parse-twiml.js';
import { callFormOf, Edge, type EdgeAccount, httpTransport } from './edge.js';
import { expectInvariants } from './invariants.js';
import { report } from './ledger.js';
import { expectVerified, useReplicas } from './servers.js';

const REPLICAS = 4;
const CONNECTIONS = 64;
const ROOMS = Array.from({ length: 50 }, (_, i) => `storm room ${i}`);
const SECONDS = 20;

type Random = () => number;

/** One call's life: into a room, out by its <Dial action>, perhaps back in, then hung up. */
async function callLife(edge: Edge, account: EdgeAccount, random: Random): Promise<void> {
  const callSid = newCallSid();
  const form = callFormOf(account, callSid);
  const room = () => ROOMS[Math.floor(random() * ROOMS.length)] as string;
  for (let visit = 0; visit === 0 || random() < 0.3; visit++) {
    const answer = await edge.send('/webhooks/voice', form({ CallStatus: 'ringing' }), {
      FriendlyName: room(),
    });
    const action = answer.status === 200 ? parseTwiml(answer.body).Dial?.action : undefined;
    if (action === undefined) break;
    const query = Object.fromEntries(new URL(action).searchParams);
    await edge.send(
      '/webhooks/dial-action',
      form({ CallStatus: 'in-progress', DialCallStatus: 'completed' }),
      query,
    );
  }
  await edge.send('/webhooks/call-status', form({ CallStatus: 'completed', CallDuration: '42' }));
}

describe.skipIf(!postgresKind)('group commit: four replicas, 64 connections each, 50 rooms', () => {
  const replicas = useReplicas(REPLICAS);

  it('loses nothing, doubles nothing and keeps one live conference per room', async () => {
    const { database, url, account, edge: edgeAccount, servers, seed, random, ledger } = await replicas();
    const edges = servers.map(
      (server) =>
        new Edge(
          edgeAccount,
          httpTransport(() => server.address),
          ledger,
          { doubled: 0.1, random },
        ),
    );
    const until = Date.now() + SECONDS * 1000;
    const connection = async (edge: Edge) => {
      while (Date.now() < until) await callLife(edge, edgeAccount, random);
    };
    await Promise.all(edges.flatMap((edge) => Array.from({ length: CONNECTIONS }, () => connection(edge))));
    await Promise.all(servers.map((server) => server.stop()));

    const counts = await ledger.reconcile(database, account.sid);
    expect(counts.acknowledged, '0 lost: every delivery was answered').toBe(ledger.deliveries.length);
    const rules = await expectInvariants(database);

    // 0 duplicated: each call joined once per voice request answered with a <Dial>, however often sent.
    const dialled = new Map<string, number>();
    for (const d of ledger.deliveries) {
      if (d.path !== '/webhooks/voice' || !d.acknowledged?.includes('<Dial')) continue;
      const call = d.form.CallSid ?? '';
      dialled.set(call, (dialled.get(call) ?? 0) + 1);
    }
    const joins = await database.db
      .selectFrom('events')
      .select([
        (eb) =>
          eb
            .ref('data', '->>')
            .key('callSid' as never)
            .as('call'),
        (eb) => eb.fn.countAll<string>().as('n'),
      ])
      .where('account_sid', '=', account.sid)
      .where('type', '=', 'ParticipantJoined')
      .groupBy('call')
      .execute();
    expect(new Map(joins.map((j) => [String(j.call), Number(j.n)]))).toEqual(dialled);
    const live = await database.db
      .selectFrom('conferences')
      .select('sid')
      .where('status', '<>', 'completed')
      .execute();
    expect(live, 'every call hung up, so every conference completed').toEqual([]);
    await expectVerified(url);
    report('group commit', {
      ...counts,
      seed,
      replicas: REPLICAS,
      connections: REPLICAS * CONNECTIONS,
      seconds: SECONDS,
      'sent twice at once': ledger.raced,
      rules,
    });
  });
});
