// The fault suite's own checks, each shown to catch a bug planted on purpose: a projection rule broken in
// this process, an acknowledged effect removed from the log, a join nobody asked for, a leave recorded for
// the wrong reason, and 503s that are contention or come where no outage was. Small simulator flows through
// the app in this process, on both databases; the scenarios of the fault suite run the same checks at scale.

import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoomEvent } from '../../src/domain/events.js';
import { Projection } from '../../src/reads/projection.js';
import { build, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, webhookClient } from '../webhooks/client.js';
import { Edge, injectTransport, playRooms, seeded } from './edge.js';
import { Ledger } from './ledger.js';

const ROOMS = ['plant 0', 'plante 1 — é', '植物 2'];
/** Flows of this seed have updates that surely precede their leaves, and leaves by hang-up. */
const SEED = 17;

interface Played {
  t: TestApp;
  ledger: Ledger;
}

async function play(kind: (typeof databaseKinds)[number]): Promise<Played> {
  const t = await build(kind);
  const account = { accountSid: t.account.sid, authToken: t.account.authToken, publicUrl: PUBLIC_URL };
  const ledger = new Ledger();
  await playRooms(new Edge(account, injectTransport(t.app), ledger), account, ROOMS, 4, seeded(SEED));
  return { t, ledger };
}

async function close({ t }: Played): Promise<void> {
  await t.app.close();
  await t.database.drop();
}

/** Changes the events the projection is given, in this process only. */
function plantInProjection(change: (event: RoomEvent) => RoomEvent | null): void {
  const apply = Projection.prototype.apply;
  vi.spyOn(Projection.prototype, 'apply').mockImplementation(function (this: Projection, account, event) {
    const changed = change(event);
    if (changed !== null) apply.call(this, account, changed);
  });
}

describe.each(databaseKinds)('the fault suite accounting on $name', (kind) => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('accounts for every acknowledged delivery of a correct run: 0 lost, 0 extra', async () => {
    const played = await play(kind);
    try {
      const counts = await played.ledger.reconcile(played.t.database, played.t.account.sid);
      expect(counts).toMatchObject({ lost: 0, extra: 0, '503s': 0, deadlocks: 0 });
      expect(counts.visits).toBeGreaterThan(6);
    } finally {
      await close(played);
    }
  });

  const LOST = /flag changes not shown/;
  const EXTRA = /no acknowledged delivery asked for it/;
  const PLANTED: {
    name: string;
    plant: () => void;
    tamper: (t: TestApp) => Promise<unknown>;
    fails: RegExp;
  }[] = [
    {
      name: 'a projection that forgets leaves: the participants list disagrees',
      plant: () => plantInProjection((event) => (event.type === 'ParticipantLeft' ? null : event)),
      tamper: async () => {},
      fails: EXTRA,
    },
    {
      name: 'acknowledged flag changes whose effect is gone',
      plant: () => {},
      tamper: (t) => sql`DELETE FROM events WHERE type = 'ParticipantUpdated'`.execute(t.database.db),
      fails: LOST,
    },
    {
      name: 'a join that no delivery in the ledger asked for',
      plant: () => {},
      tamper: (t) => webhookClient(t).voice(newCallSid(), ROOMS[0] as string),
      fails: EXTRA,
    },
    {
      name: 'a leave recorded for a reason no delivery gave',
      plant: () => {},
      tamper: (t) =>
        sql`UPDATE events SET data = jsonb_set(data, '{reason}', '"timed-out"')
            WHERE type = 'ParticipantLeft'`.execute(t.database.db),
      fails: EXTRA,
    },
  ];

  // Without the platform's idempotency token, a call that leaves and dials the same room again must be told
  // from a repeat of its first visit: the accounting would see the second stay missing.
  it('sees a call that leaves and comes back recorded each time, without idempotency tokens', async () => {
    const t = await build(kind);
    try {
      const account = { accountSid: t.account.sid, authToken: t.account.authToken, publicUrl: PUBLIC_URL };
      const ledger = new Ledger();
      const inject = injectTransport(t.app);
      const tokenless = new Edge(
        account,
        ({ headers: { 'i-twilio-idempotency-token': _token, ...headers }, ...request }) =>
          inject({ ...request, headers }),
        ledger,
      );
      const [host, call] = [newCallSid(), newCallSid()];
      const form = (sid: string) => ({ AccountSid: account.accountSid, CallSid: sid, CallStatus: 'ringing' });
      const room = { FriendlyName: ROOMS[0] as string };
      await tokenless.send('/webhooks/voice', form(host), room);
      for (let visit = 0; visit < 2; visit++) {
        const answer = await tokenless.send('/webhooks/voice', form(call), room);
        // The platform calls the <Dial action> URL as the answer wrote it.
        const action = /action="([^"]+)"/.exec(answer?.body ?? '')?.[1]?.replaceAll('&amp;', '&') ?? '';
        const query = Object.fromEntries(new URL(action).searchParams);
        await tokenless.send('/webhooks/dial-action', { ...form(call), CallStatus: 'in-progress' }, query);
      }
      expect(await ledger.reconcile(t.database, t.account.sid)).toMatchObject({ visits: 3, lost: 0 });
    } finally {
      await t.app.close();
      await t.database.drop();
    }
  });

  // A call whose conference ended under it and whose TwiML then dials it into the same room again joins the
  // next conference with that <Conference>'s attributes: told now to end the conference on exit, its leave
  // ends the stays of those who joined after it, which the accounting must allow.
  it('lets a call dialled into its room again end the next conference, as its second dial asked', async () => {
    const t = await build(kind);
    try {
      const account = { accountSid: t.account.sid, authToken: t.account.authToken, publicUrl: PUBLIC_URL };
      const ledger = new Ledger();
      const edge = new Edge(account, injectTransport(t.app), ledger);
      const [host, call, guest] = [newCallSid(), newCallSid(), newCallSid()];
      const form = (sid: string, extra: Record<string, string> = {}) => ({
        AccountSid: account.accountSid,
        CallSid: sid,
        CallStatus: 'ringing',
        ...extra,
      });
      const room = ROOMS[0] as string;
      const leave = (sid: string, sequence: string) =>
        edge.send(
          '/webhooks/conference-status',
          form(sid, {
            FriendlyName: room,
            StatusCallbackEvent: 'participant-leave',
            SequenceNumber: sequence,
          }),
        );
      await edge.send('/webhooks/voice', form(host), { FriendlyName: room, endConferenceOnExit: 'true' });
      await edge.send('/webhooks/voice', form(call), { FriendlyName: room });
      await leave(host, '1');
      await edge.send('/webhooks/voice', form(call), { FriendlyName: room, endConferenceOnExit: 'true' });
      await edge.send('/webhooks/voice', form(guest), { FriendlyName: room });
      await leave(call, '2');
      const guestLeft = await t.database.db
        .selectFrom('participants')
        .select('left_reason')
        .where('account_sid', '=', t.account.sid)
        .where('call_sid', '=', guest)
        .executeTakeFirst();
      expect(guestLeft?.left_reason).toBe('conference-ended');
      expect(await ledger.reconcile(t.database, t.account.sid)).toMatchObject({ lost: 0, extra: 0 });
    } finally {
      await t.app.close();
      await t.database.drop();
    }
  });

  it.each(PLANTED)('catches $name', async ({ plant, tamper, fails }) => {
    plant();
    const played = await play(kind);
    vi.restoreAllMocks();
    try {
      await tamper(played.t);
      await expect(played.ledger.reconcile(played.t.database, played.t.account.sid)).rejects.toThrow(fails);
    } finally {
      await close(played);
    }
  });
});

describe('503s in the ledger', () => {
  function answeredOnce(body: string): Ledger {
    const ledger = new Ledger();
    const request = { target: '/webhooks/voice', headers: {}, body: '' };
    const delivery = ledger.open(request, 'token', '/webhooks/voice', {}, {});
    ledger.answered(delivery, 503, body, 1);
    return ledger;
  }
  const unused = {} as Parameters<Ledger['reconcile']>[0];

  it('fails the run on a deadlock or a lock timeout, outage or not', async () => {
    for (const body of [
      'Service unavailable: deadlock detected (40P01), try again shortly',
      'Service unavailable: lock wait timed out (55P03), try again shortly',
    ]) {
      await expect(answeredOnce(body).reconcile(unused, 'AC', { outages: true })).rejects.toThrow(
        /503s for contention/,
      );
    }
  });

  it('fails a scenario with no outage on any 503', async () => {
    const ledger = answeredOnce('Service unavailable: the database does not answer, try again shortly');
    await expect(ledger.reconcile(unused, 'AC')).rejects.toThrow(/503s in a scenario with no outage/);
  });
});
