// The property test's random call flows (test/domain/flows.ts) run through the store itself, on both
// databases and for fewer flows: each delivery goes through the webhook transaction under a fresh
// idempotency key (a repeat is the platform sending again with a new token, not a retry), the accounts take
// turns, and after every step the rooms and calls the store keeps must be those of the in-memory model. At
// the end the log of every flow together is checked three ways: the invariants, `verify` (the fold) and
// `verify --deep` (plain SQL over the events).

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliver as runDelivery } from '../../src/commands/deliver.js';
import { verify } from '../../src/reads/verify.js';
import { verifyDeep } from '../../src/reads/verify-deep.js';
import { type Action, action, deliveryFor } from '../domain/flows.js';
import { type Delivery, deliver, emptyWorld, type World } from '../domain/store-model.js';
import { expectInvariants } from '../faults/invariants.js';
import { commands } from '../helpers/commands.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';

const ACCOUNTS = 3;

/** The rooms with a live conference and the calls Conclave has placed, as the model keeps them. */
function modelView(world: World) {
  return {
    rooms: Object.fromEntries([...world.rooms].filter(([, state]) => state.live !== null)),
    calls: Object.fromEntries(
      [...world.calls]
        .filter(([, call]) => call.room !== null || call.ended)
        .map(([sid, call]) => [sid, { room: call.room, ended: call.ended }]),
    ),
  };
}

async function storeView(database: TestDatabase, accountSid: string) {
  const rooms = await database.db
    .selectFrom('rooms')
    .select(['friendly_name', 'state'])
    .where('account_sid', '=', accountSid)
    .execute();
  const calls = await database.db
    .selectFrom('calls')
    .select(['call_sid', 'room', 'ended'])
    .where('account_sid', '=', accountSid)
    .where((eb) => eb.or([eb('room', 'is not', null), eb('ended', '=', true)]))
    .execute();
  return {
    rooms: Object.fromEntries(
      rooms
        .filter(
          (r) => (r.state as World['rooms'] extends ReadonlyMap<string, infer S> ? S : never).live !== null,
        )
        .map((r) => [r.friendly_name, r.state]),
    ),
    calls: Object.fromEntries(calls.map((c) => [c.call_sid, { room: c.room, ended: c.ended }])),
  };
}

/** Plays one flow, its actions spread over the accounts, through the store and the model side by side. */
async function play(database: TestDatabase, steps: [number, Action][]): Promise<number> {
  const run = randomUUID().replaceAll('-', '');
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `AC${run.slice(0, 31)}${i}`);
  const worlds = accounts.map(() => emptyWorld);
  const made: Delivery[][] = accounts.map(() => []);
  const build = commands();
  let delivered = 0;
  for (const [which, next] of steps) {
    const accountSid = accounts[which] as string;
    const delivery = deliveryFor(next, worlds[which] as World, made[which] as Delivery[], build);
    if (!delivery) continue;
    const modelled = deliver(worlds[which] as World, delivery);
    await runDelivery(database.db, {
      accountSid,
      key: randomUUID(),
      command: delivery.command,
      room: delivery.room ?? null,
    });
    delivered += 1;
    made[which]?.push(delivery);
    worlds[which] = modelled.world;
    expect(await storeView(database, accountSid)).toEqual(modelView(modelled.world));
  }
  return delivered;
}

describe.each(databaseKinds)('random call flows through the store on $name', (kind) => {
  it('keeps what the model keeps, and the log passes the invariants, verify and verify --deep', async () => {
    const database = await kind.create();
    try {
      let delivered = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(ACCOUNTS - 1), action), { minLength: 20, maxLength: 40 }),
          async (steps) => {
            delivered += await play(database, steps);
          },
        ),
        { numRuns: 12 },
      );
      expect(delivered).toBeGreaterThan(200);
      await expectInvariants(database);
      expect((await verify(database)).differences).toEqual([]);
      const deep = await verifyDeep(database);
      expect(deep.differences).toEqual([]);
      expect(deep.events).toBeGreaterThan(delivered / 2);
    } finally {
      await database.drop();
    }
  }, 180_000);
});
