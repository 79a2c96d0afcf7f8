// The baselines of DESIGN §6: a bare Fastify and pg server doing the least a server of this kind can do per
// request, on the same PostgreSQL, with a pool as large as Conclave's. A webhook (any path under
// /webhooks, the same signed forms Conclave gets, parsed by the same form parser, signature unchecked) is
// one INSERT; a conference fetch (Conclave's REST path, credentials unchecked) is one primary-key SELECT
// of the row Conclave would read.

import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import pg from 'pg';
import { DEFAULT_POOL_SIZE } from '../../src/store/database.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: DEFAULT_POOL_SIZE });
const app = Fastify();
await app.register(formbody);

app.post('/webhooks/*', async (request, reply) => {
  await pool.query('INSERT INTO baseline_webhooks (path, form) VALUES ($1, $2)', [
    request.url,
    JSON.stringify(request.body),
  ]);
  return reply.code(204).send();
});

app.get<{ Params: { AccountSid: string; Sid: string } }>(
  '/2010-04-01/Accounts/:AccountSid/Conferences/:Sid',
  async (request, reply) => {
    const { rows } = await pool.query('SELECT * FROM conferences WHERE account_sid = $1 AND sid = $2', [
      request.params.AccountSid,
      request.params.Sid.replace(/\.json$/, ''),
    ]);
    return rows[0] === undefined ? reply.code(404).send() : rows[0];
  },
);

const address = await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(`baseline listening on ${address}`);
process.once('SIGTERM', async () => {
  await app.close();
  await pool.end();
});
