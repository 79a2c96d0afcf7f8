// Dashboard sessions: after a login with the account's SID and auth token, a cookie naming the account, the
// session and its expiry, signed with a key derived from the account's token. Any replica can check it
// without state of its own, the token itself never leaves the server, and changing the token ends every
// session. A logout ends its one session everywhere: it is recorded in the database, which every replica
// consults when it checks a cookie.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Account } from '../domain/account.js';
import { canonicalSid, isSid } from '../domain/ids.js';
import type { Reads } from '../reads/index.js';

/** Sessions check the account as it is now: a changed token ends them at once. */
type AccountLookup = Reads['currentAccount'];

/** Where the sessions ended by a logout are kept, shared by every replica. */
export interface EndedSessions {
  end(accountSid: string, sessionId: string, expiresAt: Date): Promise<void>;
  isEnded(accountSid: string, sessionId: string): Promise<boolean>;
}

export interface Session {
  account: Account;
  id: string;
  expiresAt: Date;
}

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
  const account = await currentAccount(canonicalSid(sid));
  return account && timingSafeEqual(tokenProof(account.authToken), tokenProof(token)) ? account : undefined;
}

/** Every attribute of the session cookie, in one place: for opening a session and for ending it. */
export function cookieOptions(secure: boolean, maxAge: number): CookieSerializeOptions {
  return { path: '/', maxAge, httpOnly: true, sameSite: 'strict', secure };
}

/** The value and lifetime of a cookie opening a new session for `account`. */
export function newSessionCookie(account: Account, nowMs: number): { value: string; maxAge: number } {
  const id = randomBytes(16).toString('base64url');
  const payload = `${account.sid}.${Math.floor(nowMs / 1000) + SESSION_SECONDS}.${id}`;
  return {
    value: `${payload}.${signature(account, payload).toString('base64url')}`,
    maxAge: SESSION_SECONDS,
  };
}

const COOKIE = /^(AC[0-9a-fA-F]{32})\.(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** The unexpired, signed session the cookie names, whether or not it has been ended. */
async function signedSession(
  currentAccount: AccountLookup,
  cookie: string | undefined,
  nowMs: number,
): Promise<Session | undefined> {
  const match = COOKIE.exec(cookie ?? '');
  if (!match) return undefined;
  const [, sid = '', expiry = '', id = '', given = ''] = match;
  const expiresAt = new Date(Number(expiry) * 1000);
  if (expiresAt.getTime() <= nowMs) return undefined;
  const account = await currentAccount(sid);
  if (!account) return undefined;
  const expected = signature(account, `${sid}.${expiry}.${id}`);
  const proof = Buffer.from(given, 'base64url');
  if (proof.length !== expected.length || !timingSafeEqual(expected, proof)) return undefined;
  return { account, id, expiresAt };
}

/** The session the cookie carries, if it is signed, unexpired and not ended by a logout. */
export async function currentSession(
  currentAccount: AccountLookup,
  ended: EndedSessions,
  cookie: string | undefined,
  nowMs: number,
): Promise<Session | undefined> {
  const session = await signedSession(currentAccount, cookie, nowMs);
  if (!session || (await ended.isEnded(session.account.sid, session.id))) return undefined;
  return session;
}
