import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCalls } from '../../src/store/batch.js';
import { postgresKind, type TestDatabase } from '../helpers/databases.js';

// The batch's first statement bounds its lock waits and asks for fresh plans (store/locks.ts); a batch of
// conference callbacks alone locks no call, and must be bounded all the same.
describe.runIf(postgresKind)('the settings a batch makes in its first statement, on postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await (postgresKind as NonNullable<typeof postgresKind>).create();
  });
  afterAll(() => database.drop());

  it.each([
    ['no call', []],
    ['two calls', ['CA1', 'CA2']],
  ])('hold for the rest of a transaction that locks %s', async (_, callSids) => {
    const settings = await database.db.transaction().execute(async (trx) => {
      const calls = callSids.map((name) => ({ accountSid: `AC${'e'.repeat(32)}`, name }));
      await lockCalls(trx, calls, new Set(), '5s');
      const { rows } = await sql<{ lockTimeout: string; plans: string }>`
        SELECT current_setting('lock_timeout') AS "lockTimeout", current_setting('plan_cache_mode') AS plans`.execute(
        trx,
      );
      return rows[0];
    });
    expect(settings).toEqual({ lockTimeout: '5s', plans: 'force_custom_plan' });
  });
});
