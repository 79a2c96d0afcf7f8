// The database goes away and comes back while Conclave runs: webhooks and reads answer 503 quickly, /readyz
// says so and /healthz does not, and service resumes by itself, with nothing acknowledged lost.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { type Database, openDatabase } from '../src/store/database.js';
import { build, type TestApp } from './helpers/app.js';
import { postgresKind } from './helpers/databases.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { newCallSid, webhookClient } from './webhooks/client.js';

// How long a request may take to fail while the database is away: long enough for a connect attempt,
// short enough that Twilio (15 s) gets an answer and falls back or retries.
const FAIL_FAST_MS = 5000;

describe.skipIf(!postgresKind)('a database outage on PostgreSQL', () => {
  const t = {} as TestApp;
  let proxy: TcpProxy;
  let throughProxy: Database;

  beforeAll(async () => {
    Object.assign(t, await build(postgresKind as NonNullable<typeof postgresKind>));
    const direct = new URL(t.database.url as string);
    proxy = await startTcpProxy(Number(direct.port || 5432), direct.hostname);
    const viaProxy = new URL(direct.href);
    viaProxy.port = String(proxy.port);
    throughProxy = await openDatabase({ kind: 'postgres', url: viaProxy.href, poolSize: 4 });
    await t.app.close();
    t.app = await buildApp({ config: t.config, database: throughProxy });
  });
  afterAll(async () => {
    await t.app.close();
    await throughProxy.close();
    await proxy.close();
    await t.database.drop();
  });

  it('answers 503 fast while it is away and resumes without a restart', async () => {
    const client = webhookClient(t);
    const reads = `/2010-04-01/Accounts/${t.account.sid}/Conferences.json`;
    const authorization = `Basic ${Buffer.from(`${t.account.sid}:${t.account.authToken}`).toString('base64')}`;
    const acknowledged: string[] = [];

    for (let n = 0; n < 3; n++) {
      const call = newCallSid();
      expect((await client.voice(call, 'outage')).statusCode).toBe(200);
      acknowledged.push(call);
    }
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);

    await proxy.cut();
    for (let n = 0; n < 3; n++) {
      const started = Date.now();
      const webhook = await client.voice(newCallSid(), 'outage');
      expect(webhook.statusCode).toBe(503);
      expect(webhook.headers['retry-after']).toBeDefined();
      const read = await t.app.inject({ url: reads, headers: { authorization } });
      expect(read.statusCode).toBe(503);
      expect(Date.now() - started).toBeLessThan(2 * FAIL_FAST_MS);
    }
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(503);
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);

    await proxy.restore();
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const after = newCallSid();
    expect((await client.voice(after, 'outage')).statusCode).toBe(200);
    acknowledged.push(after);
    expect((await t.app.inject({ url: reads, headers: { authorization } })).statusCode).toBe(200);

    const stored = await t.database.db.selectFrom('participants').select('call_sid').execute();
    expect(stored.map((row) => row.call_sid).sort()).toEqual([...acknowledged].sort());
  });

  it('answers 503, not 500, while the database refuses new connections', async () => {
    const client = webhookClient(t);
    const reads = `/2010-04-01/Accounts/${t.account.sid}/Conferences.json`;
    const authorization = `Basic ${Buffer.from(`${t.account.sid}:${t.account.authToken}`).toString('base64')}`;
    const direct = new URL(t.database.url as string);
    const name = direct.pathname.slice(1);
    direct.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: direct.href });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      // More requests than the pool has connections: the first may meet a connection that was cut, the
      // rest open new ones, which the database refuses.
      for (let n = 0; n < 6; n++) {
        const webhook = await client.voice(newCallSid(), 'refusing');
        expect(webhook.statusCode).toBe(503);
        expect(webhook.headers['retry-after']).toBeDefined();
        expect((await t.app.inject({ url: reads, headers: { authorization } })).statusCode).toBe(503);
      }
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect((await client.voice(newCallSid(), 'refusing')).statusCode).toBe(200);
  });
});
