// Builds the Fastify application from a configuration and an open database, without listening, so that
// tests drive it through inject() and the server decides where it listens.

import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import api from './api/plugin.js';
import { commandsOf } from './commands/index.js';
import type { Config } from './config.js';
import { dashboard } from './dashboard/plugin.js';
import { health } from './health.js';
import { metricsPlugin } from './metrics.js';
import { readsOf } from './reads/index.js';
import { UNAVAILABLE_MESSAGE, unavailable } from './refusals.js';
import type { Database } from './store/database.js';
import { isDatabaseUnavailable } from './store/errors.js';
import { webhooks } from './webhooks/plugin.js';

export interface AppOptions {
  config: Config;
  database: Database;
  logger?: FastifyServerOptions['logger'];
  /** Milliseconds since the epoch; the default is the system clock. */
  clock?: () => number;
}

/** Webhook bodies are small forms; anything far larger is a mistake or an attack. */
const BODY_LIMIT = 64 * 1024;

export async function buildApp({
  config,
  database,
  logger = false,
  clock = Date.now,
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    // Signatures are checked against PUBLIC_URL whatever this says; it decides only the client address
    // (and scheme) behind a proxy, which the limits on failed logins count by.
    trustProxy: config.trustProxy,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      return unavailable(request, reply, error).type('text/plain').send(UNAVAILABLE_MESSAGE);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).type('text/plain').send('Internal error');
    }
    return reply.code(status).type('text/plain').send(error.message);
  });

  await app.register(metricsPlugin, { database });
  await app.register(health, { database });
  const reads = readsOf(database.db);
  const commands = commandsOf(database.db, app.metrics.store);
  await app.register(webhooks, { commands, publicUrl: config.publicUrl, metrics: app.metrics, clock });
  // Only for the limits on failures that the REST side and the dashboard ask for; nothing else is limited.
  await app.register(rateLimit, { global: false });
  await app.register(api, { reads, failedAuth: config.failedAuth });
  await app.register(dashboard, { reads, publicUrl: config.publicUrl, failedAuth: config.failedAuth });
  return app;
}
