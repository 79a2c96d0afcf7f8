import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { build, type TestApp } from '../helpers/app.js';
import { type DatabaseKind, postgresKind } from '../helpers/databases.js';
import { newCallSid, webhookClient } from './client.js';
import { conferenceOf } from './parse-twiml.js';
import { conferences, connectedCallSids } from './read-models.js';

// PGlite has one connection and cannot race; two app instances with a pool each, as two replicas, can.
describe.skipIf(postgresKind === undefined)('simultaneous webhooks on PostgreSQL', () => {
  let t: TestApp;
  let replica: FastifyInstance;

  beforeAll(async () => {
    t = await build(postgresKind as DatabaseKind);
    replica = await buildApp({ config: t.config, database: await t.database.openReplica() });
    await replica.ready();
  });

  afterAll(async () => {
    await replica?.close();
    await t?.app.close();
    await t?.database.drop();
  });

  it('100 voice webhooks for one empty room over two app instances make one conference of 100', async () => {
    const room = 'rush hour';
    const calls = Array.from({ length: 100 }, newCallSid);
    const clients = [webhookClient(t), webhookClient(t, replica)];
    const responses = await Promise.all(calls.map((call, i) => clients[i % 2]?.voice(call, room)));
    for (const response of responses) {
      expect(response?.statusCode).toBe(200);
      expect(conferenceOf(response?.body ?? '').text).toBe(room);
    }
    const instances = await conferences(t, room);
    expect(instances).toHaveLength(1);
    expect(instances[0]?.status).toBe('in-progress');
    expect(await connectedCallSids(t, instances[0]?.sid ?? '')).toEqual([...calls].sort());
    const opened = await t.database.db
      .selectFrom('events')
      .select('type')
      .where('account_sid', '=', t.account.sid)
      .where('type', 'in', ['ConferenceOpened', 'ConferenceStarted'])
      .execute();
    expect(opened.map((e) => e.type).sort()).toEqual(['ConferenceOpened', 'ConferenceStarted']);
  });
});
