import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { build, type TestApp } from '../helpers/app.js';
import { type DatabaseKind, postgresKind } from '../helpers/databases.js';
import { newCallSid, type WebhookClient, webhookClient } from './client.js';
import { conferenceOf } from './parse-twiml.js';
import { conferences, connectedCallSids } from './read-models.js';

const MAX_ATTEMPTS = 5;

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
    // A pool queue that waits too long answers 503, and the platform then delivers again with the same
    // token, as these do: whatever the load, no answer is a 500 and every call ends up in the room.
    const deliver = async (call: string, i: number) => {
      const client = clients[i % 2] as WebhookClient;
      const request = client.requests.voice(call, room, {}, { token: `rush ${call}` });
      for (let attempt = 1; ; attempt++) {
        const response = await client.send(request);
        if (response.statusCode !== 503 || attempt === MAX_ATTEMPTS) return response;
      }
    };
    const responses = await Promise.all(calls.map(deliver));
    const failed = responses.filter((r) => r.statusCode !== 200).map((r) => `${r.statusCode} ${r.body}`);
    expect(failed).toEqual([]);
    for (const response of responses) expect(conferenceOf(response.body).text).toBe(room);
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
