// The rebuild on PostgreSQL holds two transactions open for as long as it folds: one writes the read
// models, one reads the log in its snapshot. Either may wait on the other, or on the fold, for longer than
// the pool lets a session sit idle inside a transaction; neither may be ended for it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../src/commands/deliver.js';
import { rebuild } from '../../src/reads/rebuild.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { callSid, commands } from '../helpers/commands.js';
import { postgresKind, type TestDatabase } from '../helpers/databases.js';
import { readModels } from '../helpers/read-models.js';

const ACCOUNT = `AC${'b'.repeat(32)}`;
const IDLE_LIMIT_MS = 200;

/** Keeps the event loop from turning for `ms`, as a long fold would. */
function busyFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
    const c = commands();
    let key = 0;
    for (let n = 0; n < 6; n++) {
      const command = c.join(callSid(n), `room-${n % 2}`);
      await deliver(database.db, { accountSid: ACCOUNT, key: `k${key++}`, command, room: null });
    }
    await deliver(database.db, {
      accountSid: ACCOUNT,
      key: `k${key++}`,
      command: c.leave(callSid(0)),
      room: null,
    });
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
