// HTTP Basic authentication with AccountSid:AuthToken or with an API key (SK…:secret), as Twilio's REST API
// does it. A valid account that names another account in the path learns nothing: it gets the same 404 as
// for a resource that does not exist.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Account } from '../domain/account.js';
import { canonicalSid, isSid } from '../domain/ids.js';
import type { FailureLimit } from '../failure-limit.js';
import type { Reads } from '../reads/index.js';
import { authenticationRequired, notFound, tooManyFailures } from './errors.js';
import { pathOf } from './format.js';

interface Credentials {
  username: string;
  password: string;
}

function parseBasic(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever the guess.
function sameSecret(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

async function accountOf(
  reads: Pick<Reads, 'account' | 'apiKeyAccount'>,
  { username, password }: Credentials,
): Promise<Account | undefined> {
  if (isSid('SK', username)) return reads.apiKeyAccount(canonicalSid(username), password);
  if (!isSid('AC', username)) return undefined;
  const account = await reads.account(canonicalSid(username));
  return account && sameSecret(account.authToken, password) ? account : undefined;
}

/**
 * Authenticates; an address that has failed too often is refused (429) before its credentials are checked.
 * A request that brings none is told to authenticate (401) even then: it guesses nothing.
 */
export function authenticate(reads: Pick<Reads, 'account' | 'apiKeyAccount'>, limit: FailureLimit) {
  return async (request: FastifyRequest): Promise<void> => {
    const credentials = parseBasic(request.headers.authorization);
    if (!credentials) throw authenticationRequired();
    const wait = await limit.blockedFor(request);
    if (wait !== undefined) throw tooManyFailures(wait);
    const account = await accountOf(reads, credentials);
    if (!account) {
      // Only credentials that were tried and wrong count: a client that sends none yet is not guessing.
      await limit.failed(request);
      throw authenticationRequired();
    }
    const params = request.params as { AccountSid?: string };
    if (params.AccountSid === undefined) return;
    if (!isSid('AC', params.AccountSid) || canonicalSid(params.AccountSid) !== account.sid)
      throw notFound(pathOf(request.url));
    // The routes read and print the account as it is stored, whatever case the path wrote it in.
    params.AccountSid = account.sid;
  };
}
