// Liveness and readiness. /healthz answers while the process runs; /readyz only while the database answers
// and every migration is applied, so that a load balancer stops sending work during an outage.

import type { FastifyPluginAsync } from 'fastify';

const READINESS_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface HealthOptions {
  /** Whether the database answers with every migration applied; rejects when it does not answer. */
  isMigrated: () => Promise<boolean>;
}

export const health: FastifyPluginAsync<HealthOptions> = async (app, { isMigrated }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      if (await withTimeout(isMigrated(), READINESS_TIMEOUT_MS)) return { status: 'ready' };
      return reply.code(503).send({ status: 'unavailable', reason: 'migrations are not applied' });
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'the database does not answer' });
    }
  });
};
