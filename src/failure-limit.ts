// Failed logins and failed Basic auth, counted per client address with @fastify/rate-limit. Only failures
// count, so that successful traffic is never held back; once an address has used up its failures, every
// attempt from it is refused until the window ends, a right guess included, so that guessing on teaches
// nothing.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from './config.js';

export interface FailureLimit {
  /** Seconds until the request's address may try again, when it has used up its failures. */
  blockedFor(request: FastifyRequest): Promise<number | undefined>;
  /** Counts a failure against the request's address. */
  failed(request: FastifyRequest): Promise<void>;
}

/** Needs @fastify/rate-limit registered on the app (app.ts does it). `name` keeps each count apart. */
export function failureLimit(
  app: FastifyInstance,
  name: string,
  { max, windowMs }: Config['failedAuth'],
): FailureLimit {
  const limit = app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (r) => `${name} ${r.ip}` });
  return {
    async blockedFor(request) {
      const state = await limit(request, { increment: false });
      return !state.isAllowed && state.remaining === 0 ? Math.max(1, state.ttlInSeconds) : undefined;
    },
    async failed(request) {
      await limit(request);
    },
  };
}
