// Login CSRF: another site's page can make a browser POST a login form (logging the victim in as the
// attacker) or a logout. Browsers say where a request comes from (Sec-Fetch-Site, and Origin on every
// POST); a request that says it comes from elsewhere is refused. One that says nothing is not a browser
// following another site's form, and passes.

import type { FastifyRequest } from 'fastify';

export function isCrossSite(request: FastifyRequest, publicOrigin: string): boolean {
  const site = request.headers['sec-fetch-site'];
  // 'none': the user started it (a bookmark, the address bar).
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    // Includes "null": a sandboxed frame or a redirect across sites.
    return true;
  }
  return given.origin !== publicOrigin && given.host !== request.host;
}
