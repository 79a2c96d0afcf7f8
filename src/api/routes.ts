// Registers a read-only resource: GET (and HEAD) reach the handler, every other method gets 405 before its
// body is even parsed, so a POST with any content type is refused the same way.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { methodsBesides, refuseMethod } from '../refusals.js';
import { methodNotAllowed } from './errors.js';

async function refuse(request: FastifyRequest, reply: FastifyReply): Promise<never> {
  refuseMethod(reply, 'GET, HEAD');
  throw methodNotAllowed(request.method);
}

/**
 * `json` is the schema of the JSON answer (see representation-schemas.ts); an XML answer is a string
 * already, which Fastify sends as it is.
 */
export function readOnly<RouteParams>(
  app: FastifyInstance,
  urls: string[],
  json: Record<string, unknown>,
  handler: (request: FastifyRequest<{ Params: RouteParams }>, reply: FastifyReply) => Promise<FastifyReply>,
): void {
  const otherMethods = methodsBesides(app, ['GET', 'HEAD']);
  for (const url of urls) {
    app.get<{ Params: RouteParams }>(url, { schema: { response: { 200: json } } }, handler);
    app.route({ method: otherMethods, url, onRequest: refuse, handler: refuse });
  }
}

/** A collection's path in its three spellings: no suffix and `.xml` for XML, `.json` for JSON. */
export function withSuffixes(path: string): string[] {
  return [path, `${path}.xml`, `${path}.json`];
}
