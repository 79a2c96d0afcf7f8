// The rebuild replaces every read model in one transaction. On PostgreSQL it holds two open for as long as
// it folds (one writes the read models, one reads the log in its snapshot), and either may wait on the
// other or on the fold for longer than the pool lets a session sit idle inside a transaction: neither may
// be ended for it. And a rebuild that fails leaves the read models as they were.

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../src/commands/deliver.js';
import { rebuild } from '../../src/reads/rebuild.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { callSid, commands } from '../helpers/commands.js';
import { databaseKinds, postgresKind, type TestDatabase } from '../helpers/databases.js';
import { readModels } from '../helpers/read-models.js';

const ACCOUNT = `AC${'b'.repeat(32)}`;
const IDLE_LIMIT_MS = 200;

/** Keeps the event loop from turning for `ms`, as a long fold would. */
function busyFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Six calls join two rooms (the fourth with `label`), and the first `leaving` of them leave. */
async function deliverSome(database: Database, label: string | null, leaving: number): Promise<void> {
  const c = commands();
  let key = 0;
  const send = (command: Parameters<typeof deliver>[1]['command']) =>
    deliver(database.db, { accountSid: ACCOUNT, key: `k${key++}`, command, room: null });
  for (let n = 0; n < 6; n++)
    await send(c.join(callSid(n), `room-${n % 2}`, { label: n === 3 ? label : null }));
  for (let n = 0; n < leaving; n++) await send(c.leave(callSid(n)));
}

describe.runIf(postgresKind)('a rebuild on postgres', () => {
  let database: TestDatabase;
  let strict: Database;
  beforeAll(async () => {
    database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    strict = await openDatabase({
      kind: 'postgres',
      url: database.url ?? '',
      idleInTransactionMs: IDLE_LIMIT_MS,
    });
  });
  afterAll(async () => {
    await strict.close();
    await database.drop();
  });

  it('outlasts the idle-in-transaction limit while its process is busy, and reproduces the live rows', async () => {
    await deliverSome(database, null, 1);
    const live = await readModels(database);

    let batches = 0;
    const summary = await rebuild(strict, () => {
      batches++;
      busyFor(IDLE_LIMIT_MS * 3);
    });

    expect(batches).toBeGreaterThan(0);
    expect(summary.events).toBeGreaterThan(6);
    expect(await readModels(database)).toEqual(live);
  });
});

describe.each(databaseKinds)('a rebuild that fails, on $name', (kind) => {
  it('says why and leaves the live read models as they were', async () => {
    const database = await kind.create();
    try {
      // Every call leaves, so that the rebuild writes the participants while it folds, not at its end.
      await deliverSome(database, 'refused', 6);
      const live = await readModels(database);
      // Rows already there stay; the rebuild's own insert of the labelled participant is refused.
      await sql`ALTER TABLE participants ADD CONSTRAINT refuses_a_label CHECK (label IS DISTINCT FROM 'refused') NOT VALID`.execute(
        database.db,
      );

      await expect(rebuild(database)).rejects.toThrow(/refuses_a_label/);

      expect(await readModels(database)).toEqual(live);
    } finally {
      await database.drop();
    }
  });
});
