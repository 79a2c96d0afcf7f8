// Duplicates and disorder: the simulator's call flows are played once in order against one database (the
// clean delivery), and every request they made is then delivered again, byte for byte, to a second database,
// one to three times each, in a shuffled order. The shuffle keeps to the orders the platform can produce:
// the voice webhook is synchronous (the platform waits for its TwiML before anything that follows it can
// happen), so voice webhooks keep their order and every callback may be delayed past any number of later
// requests but never arrive before the voice webhook that preceded it. One room's next conference is only
// dialled once the last one has ended, and its requests follow the last one's. Half the repeats of a callback
// come with a fresh idempotency token, as a platform (or a proxy, or a second region) sending the same
// report again would: the inbox cannot recognise those, so the domain's own duplicate and order handling
// must. Each database must show what the reference model expects from what it was sent, in that order.
// The second server's clock reads, at each delivery, the latest time at which the clean delivery sent any
// request delivered so far: a delayed callback arrives after the time it reports, as it would from the
// platform, and the Timestamps the bytes carry keep their meaning against the instances the replay opens.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Database } from '../../src/store/database.js';
import { testConfig } from '../helpers/app.js';
import { postgresKind } from '../helpers/databases.js';
import { Edge, faultSeed, injectTransport, playRooms, seeded } from './edge.js';
import { eventLog, keepingEvidence, sentBy } from './evidence.js';
import { expectInvariants } from './invariants.js';
import { type Delivery, Ledger, report } from './ledger.js';
import { expectVerified, PUBLIC_URL, tenant, useDatabases } from './servers.js';

const ROOMS = 30;
const CALLERS = 5;
const isVoice = (delivery: Delivery) => delivery.path === '/webhooks/voice';
/** Room names in several scripts, so that encoding, signing and sorting of names are exercised. */
const roomName = (i: number) =>
  [`disorder room ${i}`, `salle ${i} — réunion`, `会議室 ${i}`][i % 3] as string;

/** The room a request is about: named by it, or, for a call's status, the room its voice webhook named. */
function roomsOf(deliveries: Delivery[]): (delivery: Delivery) => string | undefined {
  const named = (d: Delivery) =>
    d.form.FriendlyName ??
    new URLSearchParams(d.request.target.split('?')[1]).get('FriendlyName') ??
    undefined;
  const calls = new Map<string, string | undefined>();
  for (const d of deliveries) if (isVoice(d)) calls.set(d.form.CallSid ?? '', named(d));
  return (d) => named(d) ?? calls.get(d.form.CallSid ?? '');
}

/**
 * The requests of one room, cut where a conference of the room ended and the next one is dialled. What
 * comes between the end and the next voice webhook (a recording's status, which the simulator reports once
 * the conference is over, or a call's last status) belongs to the conference that ended.
 */
function lives(deliveries: Delivery[]): Delivery[][] {
  const cut: Delivery[][] = [];
  let ended = true;
  for (const delivery of deliveries) {
    if (isVoice(delivery)) {
      if (ended) cut.push([]);
      ended = false;
    } else if (delivery.form.StatusCallbackEvent === 'conference-end') ended = true;
    cut[cut.length - 1]?.push(delivery);
  }
  return cut;
}

/** One life's requests, each one to three times, in an order the platform can produce. */
function disorder(life: Delivery[], random: () => number): Delivery[] {
  const timed: { delivery: Delivery; at: number }[] = [];
  let voiceAt = 0;
  const end = life.length;
  const later = (after: number) => after + Number.EPSILON + random() * (end - after);
  for (const [i, delivery] of life.entries()) {
    const copies = 1 + Math.floor(random() * 3);
    if (isVoice(delivery)) {
      voiceAt = i;
      timed.push({ delivery, at: i });
      for (let copy = 1; copy < copies; copy++) timed.push({ delivery, at: later(i) });
    } else {
      for (let copy = 0; copy < copies; copy++) timed.push({ delivery, at: later(voiceAt) });
    }
  }
  return timed.sort((a, b) => a.at - b.at).map((t) => t.delivery);
}

/** Interleaves the rooms' sequences at random, each room's own order kept. */
function interleave(sequences: Delivery[][], random: () => number): Delivery[] {
  const queues = sequences.map((sequence) => [...sequence]);
  const merged: Delivery[] = [];
  for (let left = queues.reduce((n, q) => n + q.length, 0); left > 0; left--) {
    let pick = Math.floor(random() * left);
    const queue = queues.find((q) => {
      if (pick < q.length) return true;
      pick -= q.length;
      return false;
    }) as Delivery[];
    merged.push(queue.shift() as Delivery);
  }
  return merged;
}

/**
 * The read models with what legitimately depends on arrival order left out: times and Sids (minted on
 * arrival; an instance is named by its room and its rank in the room instead); why a participant left and
 * which call ended a conference by leaving last (whichever of the platform's independent leave callbacks
 * arrives first decides); and the mute and hold of a participant who has left (the only flags the flows
 * change), since a change reported before the leave but delivered after it is older than the leave and by
 * DESIGN §4 changes nothing.
 */
async function canonical(database: Database, accountSid: string) {
  const db = database.db;
  const conferences = await db
    .selectFrom('conferences')
    .selectAll()
    .where('account_sid', '=', accountSid)
    .orderBy('friendly_name')
    .orderBy('sid')
    .execute();
  const instance = new Map<string, string>();
  const ranks = new Map<string, number>();
  for (const c of conferences) {
    const rank = (ranks.get(c.friendly_name) ?? 0) + 1;
    ranks.set(c.friendly_name, rank);
    instance.set(c.sid, `${c.friendly_name} #${rank}`);
  }
  const participants = await db
    .selectFrom('participants')
    .selectAll()
    .where('account_sid', '=', accountSid)
    .execute();
  const calls = await db
    .selectFrom('calls')
    .select(['call_sid', 'room', 'ended'])
    .where('account_sid', '=', accountSid)
    .where((eb) => eb.or([eb('room', 'is not', null), eb('ended', '=', true)]))
    .orderBy('call_sid')
    .execute();
  return {
    conferences: conferences.map((c) => ({
      instance: instance.get(c.sid),
      status: c.status,
      region: c.region,
      reason: c.reason_conference_ended,
    })),
    participants: participants
      .map((p) => ({
        instance: instance.get(p.conference_sid),
        call: p.call_sid,
        status: p.status,
        label: p.label,
        coaching: p.coaching,
        coaches: p.call_sid_to_coach,
        startConferenceOnEnter: p.start_conference_on_enter,
        endConferenceOnExit: p.end_conference_on_exit,
        beep: p.beep,
        from: p.from_number,
        to: p.to_number,
        ...(p.status === 'connected' ? { muted: p.muted, hold: p.hold } : {}),
      }))
      .sort((a, b) => `${a.instance} ${a.call}`.localeCompare(`${b.instance} ${b.call}`)),
    calls,
  };
}

describe.skipIf(!postgresKind)('duplicates and disorder', () => {
  const fresh = useDatabases();
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  async function conclave(clock?: () => number) {
    const database = await fresh();
    const app = await buildApp({ config: testConfig({ publicUrl: PUBLIC_URL }), database, clock });
    apps.push(app);
    return { database, app };
  }

  it('ends with the read models of the clean delivery when every callback comes 1–3 times out of order', async () => {
    let now = 0;
    const clean = await conclave();
    const shuffled = await conclave(() => now);
    const { account, edge: edgeAccount } = await tenant(clean.database);
    await shuffled.database.db
      .insertInto('accounts')
      .values({
        account_sid: account.sid,
        auth_token: account.authToken,
        friendly_name: account.friendlyName,
      })
      .execute();

    const seed = faultSeed('disorder');
    const random = seeded(seed);
    const ledger = new Ledger();
    const rooms = Array.from({ length: ROOMS }, (_, i) => roomName(i));
    const sentAt = new Map<Delivery['request'], number>();
    const toClean = injectTransport(clean.app);
    const flows = await playRooms(
      new Edge(
        edgeAccount,
        (request) => {
          if (!sentAt.has(request)) sentAt.set(request, Date.now());
          return toClean(request);
        },
        ledger,
      ),
      edgeAccount,
      rooms,
      CALLERS,
      random,
    );
    const roomOf = roomsOf(ledger.deliveries);
    const byRoom = rooms.map((room) => ledger.deliveries.filter((d) => roomOf(d) === room));
    const order = interleave(
      byRoom.map((deliveries) => lives(deliveries).flatMap((life) => disorder(life, random))),
      random,
    );

    const replayed = new Ledger();
    const copies = new Map<Delivery, Delivery>();
    const send = injectTransport(shuffled.app);
    const answers: string[] = [];
    let freshTokens = 0;
    const rank = new Map(ledger.deliveries.map((delivery, i) => [delivery, i]));
    /** What the replay sent, in order: the clean delivery's index, and whether with a fresh token. */
    const replay: { delivery: number; freshToken: boolean }[] = [];
    for (const original of order) {
      let copy = copies.get(original);
      let request = original.request;
      if (copy === undefined) {
        copy = replayed.open(original.request, original.token, original.path, original.form, original.query);
        copies.set(original, copy);
      } else if (!isVoice(original) && random() < 0.5) {
        // A voice webhook is answered before the call goes on, so only callbacks are reported again.
        freshTokens += 1;
        request = { ...request, headers: { ...request.headers, 'i-twilio-idempotency-token': randomUUID() } };
      }
      replay.push({ delivery: rank.get(original) ?? -1, freshToken: request !== original.request });
      now = Math.max(now, sentAt.get(original.request) ?? now);
      const started = performance.now();
      const answer = await send(request);
      replayed.answered(copy, answer?.status ?? null, answer?.body ?? '', performance.now() - started);
      // A repeat is answered as the first delivery was, and as the clean delivery was.
      if (
        answer?.status !== original.statuses[0] ||
        (isVoice(original) && answer?.body !== original.acknowledged)
      ) {
        const bodies = isVoice(original) ? `: ${answer?.body} (clean: ${original.acknowledged})` : '';
        answers.push(`${original.path} ${answer?.status}, clean ${original.statuses[0]}${bodies}`);
      }
    }
    const { cleanCounts, counts } = await keepingEvidence(
      'disorder',
      seed,
      async () => ({
        deliveries: sentBy(ledger),
        clean: await eventLog(clean.database),
        replay,
        shuffled: await eventLog(shuffled.database),
      }),
      async () => {
        expect(answers).toEqual([]);
        const cleanCounts = await ledger.reconcile(clean.database, account.sid);
        // The replay is sent one delivery at a time, so its own ledger says in which order each took effect.
        const counts = await replayed.reconcile(shuffled.database, account.sid);
        expect(await canonical(shuffled.database, account.sid)).toEqual(
          await canonical(clean.database, account.sid),
        );
        return { cleanCounts, counts };
      },
    );
    await expectInvariants(shuffled.database);
    await expectVerified(clean.database.url as string);
    await expectVerified(shuffled.database.url as string);
    report('disorder (clean)', {
      ...cleanCounts,
      seed,
      calls: flows.calls,
      instances: flows.instances,
    });
    report('disorder (shuffled)', {
      ...counts,
      seed,
      deliveries: replayed.deliveries.length,
      repeats: order.length - replayed.deliveries.length,
      'repeats with a fresh token': freshTokens,
    });
  });
});
