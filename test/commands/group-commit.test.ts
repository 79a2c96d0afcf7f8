// Deliveries that arrive together share a transaction (natural group commit). Each must still get its own
// answer, decided in arrival order on the state the earlier ones left: a rejected one rejects only itself, a
// repeat inside the batch answers what the first said, and the log and read models come out exactly as if
// the deliveries had run one by one.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { deliver } from '../../src/commands/deliver.js';
import { commandsOf, type Delivery, MAX_BATCH } from '../../src/commands/index.js';
import { verify } from '../../src/reads/verify.js';
import { unavailableCause } from '../../src/store/errors.js';
import { callSid, commands } from '../helpers/commands.js';
import { databaseKinds, postgresKind, type TestDatabase } from '../helpers/databases.js';
import { readModels } from '../helpers/read-models.js';

const ACCOUNT = `AC${'b'.repeat(32)}`;

const at = (key: string, command: Delivery['command']): Delivery => ({
  accountSid: ACCOUNT,
  key,
  command,
  room: null,
});

function flow(): Delivery[] {
  const c = commands();
  const rejoin = at('rejoin', c.join(callSid(4), 'batch'));
  const joined = at('four', c.join(callSid(4), 'batch'));
  return [
    at('host', c.join(callSid(1), 'batch', { label: 'host' })),
    at('two', c.join(callSid(2), 'batch')),
    // Each of these takes a lane of its own, in rooms of their own, while the rest wait for a lane.
    at('seven', c.join(callSid(7), 'aside 1')),
    at('eight', c.join(callSid(8), 'aside 2')),
    at('host again', c.join(callSid(3), 'batch', { label: 'host' })),
    joined,
    { ...joined, command: { ...joined.command, ...c.clock.next() } },
    at('host once more', c.join(callSid(5), 'batch', { label: 'host' })),
    at('four leaves', c.leave(callSid(4))),
    rejoin,
    at('six', c.join(callSid(6), 'elsewhere')),
    at('six moves', c.join(callSid(6), 'batch')),
  ];
}

async function events(database: TestDatabase) {
  const rows = await database.db
    .selectFrom('events')
    .select(['friendly_name', 'stream_position', 'type', 'data'])
    .orderBy('friendly_name')
    .orderBy('stream_position')
    .execute();
  // Each room's stream; across rooms, the one-by-one path orders one delivery's events in no set way.
  return rows.map((row) => ({ ...row, stream_position: Number(row.stream_position) }));
}

/** The read models without the rows that only serve as locks, as verify reads them. */
async function recorded(database: TestDatabase) {
  const models = await readModels(database);
  const calls = models.calls as { room: string | null; ended: boolean }[];
  const rooms = models.rooms as { version: number | string }[];
  return {
    ...models,
    calls: calls.filter((call) => call.room !== null || call.ended),
    rooms: rooms.filter((room) => Number(room.version) > 0),
  };
}

describe.each(databaseKinds)('group commit on $name', (kind) => {
  it('answers each delivery of a batch on its own, as if they had run one by one', async () => {
    const [together, alone] = [await kind.create(), await kind.create()];
    try {
      const deliveries = flow();
      // The first two one after the other; then all at once: two take a lane each, alone, and the rest
      // wait for a lane and go as one batch.
      const { deliver: deliverTogether } = commandsOf(together.db, undefined, together.kind);
      const answers = [];
      for (const d of deliveries.slice(0, 2)) answers.push(await deliverTogether(d));
      answers.push(...(await Promise.all(deliveries.slice(2).map((d) => deliverTogether(d)))));
      const oneByOne = [];
      for (const d of deliveries) oneByOne.push(await deliver(alone.db, d));

      expect(answers).toEqual(oneByOne);
      expect(answers.map((a) => (a.duplicate ? 'duplicate' : a.outcome.result))).toEqual([
        'joined',
        'joined',
        'joined',
        'joined',
        'rejected',
        'joined',
        'duplicate',
        'rejected',
        'applied',
        'joined',
        'joined',
        'joined',
      ]);
      expect(await events(together)).toEqual(await events(alone));
      // A batch keeps the rows it created to lock, which hold nothing beyond what one by one leaves.
      expect(await recorded(together)).toEqual(await recorded(alone));
      expect((await verify(alone)).differences).toEqual([]);
      expect((await verify(together)).differences).toEqual([]);
    } finally {
      await Promise.all([together.drop(), alone.drop()]);
    }
  });

  it('commits a burst in transactions of at most MAX_BATCH deliveries, each delivery answered', async () => {
    const database = await kind.create();
    try {
      const c = commands();
      const burst = 2 * MAX_BATCH + 22;
      const deliveries = Array.from({ length: burst }, (_, n) => ({
        accountSid: ACCOUNT,
        key: `burst ${n}`,
        command: c.join(callSid(100 + n), `burst room ${n}`),
        room: null,
      }));
      const { deliver: deliverTogether } = commandsOf(database.db, undefined, database.kind);
      const answers = await Promise.all(deliveries.map((d) => deliverTogether(d)));
      expect(answers.filter((a) => !a.duplicate && a.outcome.result === 'joined')).toHaveLength(burst);
      // Every delivery recorded writes one inbox row, in the transaction that commits it.
      const { rows } = await sql<{ deliveries: number }>`
        SELECT count(*)::int AS deliveries FROM inbox WHERE account_sid = ${ACCOUNT}
        GROUP BY xmin::text ORDER BY deliveries DESC`.execute(database.db);
      expect(rows.map((row) => row.deliveries)).toEqual([MAX_BATCH, MAX_BATCH, 22]);
    } finally {
      await database.drop();
    }
  });
});

describe.skipIf(!postgresKind)('a batch that cannot get a lock in time, on PostgreSQL', () => {
  it('answers the timeout only to the deliveries that need a row still held; the others commit', async () => {
    const database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    const other = await database.openReplica(1);
    try {
      const c = commands();
      const { deliver: deliverTogether } = commandsOf(database.db, undefined, database.kind);
      for (const d of [at('one', c.join(callSid(1), 'held')), at('five', c.join(callSid(5), 'aside'))])
        expect((await deliverTogether(d)).outcome.result).toBe('joined');

      // Another session holds a room and a call for longer than a batch waits for a lock (5 s). The three
      // deliveries arrive together and share a batch.
      const answers = await other.db.transaction().execute(async (trx) => {
        await sql`SELECT 1 FROM rooms WHERE account_sid = ${ACCOUNT} AND friendly_name = 'held' FOR UPDATE`.execute(
          trx,
        );
        await sql`SELECT 1 FROM calls WHERE account_sid = ${ACCOUNT} AND call_sid = ${callSid(5)} FOR UPDATE`.execute(
          trx,
        );
        return Promise.allSettled(
          [
            at('two', c.join(callSid(2), 'held')),
            at('three', c.join(callSid(3), 'free')),
            at('five leaves', c.leave(callSid(5))),
            // Needs nothing held, but comes after a delivery of its call that does: it must not run ahead.
            at('two moves', c.join(callSid(2), 'free')),
            // Needs nothing held, and comes after a delivery in its room that is answered so: it may go.
            at('four', c.join(callSid(4), 'free')),
          ].map((d) => deliverTogether(d)),
        );
      });
      const told = answers.map((a) =>
        a.status === 'fulfilled' ? a.value.outcome.result : unavailableCause(a.reason),
      );
      expect(told).toEqual(['lock-timeout', 'joined', 'lock-timeout', 'lock-timeout', 'joined']);

      // Nothing half done: the held ones go through once the rows are free, and the models match the log.
      expect((await deliverTogether(at('two', c.join(callSid(2), 'held')))).outcome.result).toBe('joined');
      expect((await deliverTogether(at('five leaves', c.leave(callSid(5))))).outcome.result).toBe('applied');
      expect((await deliverTogether(at('two moves', c.join(callSid(2), 'free')))).outcome.result).toBe(
        'joined',
      );
      expect((await verify(database)).differences).toEqual([]);
    } finally {
      await database.drop();
    }
  }, 30_000);
});
