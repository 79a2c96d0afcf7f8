// The two refusals every surface makes alike, whatever shape its body takes. A database that does not answer
// is a moment's outage, not a fault: 503 with Retry-After, so that senders and clients try again, logged as a
// warning. A method a route does not take gets 405 with Allow: "not found" would mislead a sender that
// picked the wrong method.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const UNAVAILABLE_MESSAGE = 'Service unavailable: the database does not answer, try again shortly';

/** Sets the 503 and its Retry-After; the caller sends the body in its own shape. */
export function unavailable(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  request.log.warn({ err: error }, 'database unavailable');
  return reply.code(503).header('retry-after', '1');
}

/** Every method Fastify routes but those `allowed`: the methods a route refuses with 405. */
export function methodsBesides(app: FastifyInstance, allowed: readonly string[]): string[] {
  return app.supportedMethods.filter((method) => !allowed.includes(method));
}

/** Sets the 405 and the methods the route does take; the caller sends the body in its own shape. */
export function refuseMethod(reply: FastifyReply, allowed: string): FastifyReply {
  return reply.code(405).header('allow', allowed);
}
