// Dashboard sessions: after a login with the account's SID and auth token, a cookie naming the account and
// an expiry, signed with a key derived from the account's token. Any replica can check it (no state is
// kept), the token itself never leaves the server, and changing the token ends every session.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Account } from '../domain/account.js';
import { isSid } from '../domain/ids.js';
import type { Reads } from '../reads/index.js';

/** Sessions check the account as it is now: a changed token ends them at once. */
type AccountLookup = Reads['currentAccount'];

export const SESSION_COOKIE = 'conclave_session';
const SESSION_SECONDS = 12 * 60 * 60;

function signature(account: Account, payload: string): Buffer {
  const key = createHmac('sha256', account.authToken).update('conclave dashboard session').digest();
  return createHmac('sha256', key).update(payload).digest();
}

// Comparing digests of equal length takes the same time however much of the token a guess gets right.
function tokenProof(token: string): Buffer {
  return createHmac('sha256', token).update('conclave dashboard login').digest();
}

/** The account these credentials are, or undefined. */
export async function logIn(
  currentAccount: AccountLookup,
  sid: string,
  token: string,
): Promise<Account | undefined> {
  if (!isSid('AC', sid)) return undefined;
  const account = await currentAccount(sid);
  return account && timingSafeEqual(tokenProof(account.authToken), tokenProof(token)) ? account : undefined;
}

function cookieAttributes(secure: boolean, maxAge: number): string {
  return `Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** A Set-Cookie value opening a session for `account`. */
export function sessionCookie(account: Account, nowMs: number, secure: boolean): string {
  const payload = `${account.sid}.${Math.floor(nowMs / 1000) + SESSION_SECONDS}`;
  const value = `${payload}.${signature(account, payload).toString('base64url')}`;
  return `${SESSION_COOKIE}=${value}; ${cookieAttributes(secure, SESSION_SECONDS)}`;
}

/** A Set-Cookie value ending the session. */
export function endedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; ${cookieAttributes(secure, 0)}`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The account whose unexpired session the Cookie header carries, or undefined. */
export async function sessionAccount(
  currentAccount: AccountLookup,
  cookieHeader: string | undefined,
  nowMs: number,
): Promise<Account | undefined> {
  const match = /^(AC[0-9a-fA-F]{32})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(
    cookieValue(cookieHeader, SESSION_COOKIE) ?? '',
  );
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  if (Number(match[2]) * 1000 <= nowMs) return undefined;
  const account = await currentAccount(match[1]);
  if (!account) return undefined;
  const expected = signature(account, `${match[1]}.${match[2]}`);
  const given = Buffer.from(match[3], 'base64url');
  return given.length === expected.length && timingSafeEqual(expected, given) ? account : undefined;
}
