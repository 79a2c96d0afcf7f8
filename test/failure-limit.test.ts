// Failed Basic auth and failed logins are limited per client address: after FAILED_AUTH_LIMIT failures in a
// window every attempt from that address gets 429 with Retry-After (REST: Twilio's error body, code 20429;
// https://www.twilio.com/docs/api/errors/20429) until the window ends. Successes never count.

import { describe, expect, it } from 'vitest';
import type { Account } from '../src/store/accounts.js';
import { type TestApp, useApp } from './helpers/app.js';
import { databaseKinds } from './helpers/databases.js';

const WINDOW_MS = 1500;
const MAX = 3;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function rest(t: TestApp, address: string, authorization: string) {
  return t.app.inject({
    method: 'GET',
    url: `/2010-04-01/Accounts/${t.account.sid}/Conferences.json`,
    remoteAddress: address,
    headers: { authorization },
  });
}

function login(t: TestApp, address: string, account: Account, token: string) {
  return t.app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: address,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ AccountSid: account.sid, AuthToken: token }).toString(),
  });
}

/** Polls `attempt` until it answers `status`, for at most twice the window. */
async function eventually<R extends { statusCode: number }>(
  attempt: () => Promise<R>,
  status: number,
): Promise<R> {
  const started = Date.now();
  let last = await attempt();
  while (last.statusCode !== status && Date.now() - started < 2 * WINDOW_MS) last = await attempt();
  return last;
}

for (const kind of databaseKinds) {
  describe(`limits on failed authentication (${kind.name})`, () => {
    const t = useApp(kind, { failedAuth: { max: MAX, windowMs: WINDOW_MS } });

    it('answers 429 with Retry-After and a Twilio body once an address has failed Basic auth too often', async () => {
      const good = () => rest(t, '10.0.0.1', basic(t.account.sid, t.account.authToken));
      // Successes first: many of them, none of which count.
      for (let i = 0; i < MAX * 3; i++) expect((await good()).statusCode).toBe(200);
      for (let i = 0; i < MAX; i++) {
        expect((await rest(t, '10.0.0.1', basic(t.account.sid, 'wrong'))).statusCode).toBe(401);
      }
      const refused = await rest(t, '10.0.0.1', basic(t.account.sid, 'wrong'));
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1000));
      expect(refused.json()).toEqual({
        code: 20429,
        message: expect.stringMatching(/^Too Many Requests/),
        more_info: 'https://www.twilio.com/docs/errors/20429',
        status: 429,
      });
      // The right credentials are refused too while the address is held back: guessing on teaches nothing.
      expect((await good()).statusCode).toBe(429);
      // A request that brings none guesses nothing, and is told to authenticate.
      const bare = await t.app.inject({
        method: 'GET',
        url: `/2010-04-01/Accounts/${t.account.sid}/Conferences.json`,
        remoteAddress: '10.0.0.1',
      });
      expect(bare.statusCode).toBe(401);
      // Another address is not held back.
      expect((await rest(t, '10.0.0.2', basic(t.account.sid, t.account.authToken))).statusCode).toBe(200);
      expect((await eventually(good, 200)).statusCode).toBe(200);
    });

    it('does not count requests that bring no credentials', async () => {
      for (let i = 0; i < MAX * 2; i++) {
        const response = await t.app.inject({
          method: 'GET',
          url: `/2010-04-01/Accounts/${t.account.sid}/Conferences.json`,
          remoteAddress: '10.0.0.3',
        });
        expect(response.statusCode).toBe(401);
      }
    });

    it('limits failed logins, and accepts the right login again after the window', async () => {
      for (let i = 0; i < MAX; i++)
        expect((await login(t, '10.0.1.1', t.account, 'wrong')).statusCode).toBe(401);
      const refused = await login(t, '10.0.1.1', t.account, 'wrong');
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.body).toContain('Too many failed logins from this address');
      expect((await login(t, '10.0.1.1', t.account, t.account.authToken)).statusCode).toBe(429);
      const accepted = await eventually(() => login(t, '10.0.1.1', t.account, t.account.authToken), 303);
      expect(accepted.statusCode).toBe(303);
      expect(String(accepted.headers['set-cookie'])).toMatch(/^conclave_session=AC/);
    });

    it('never holds back successful logins', async () => {
      for (let i = 0; i < MAX * 3; i++) {
        expect((await login(t, '10.0.1.2', t.account, t.account.authToken)).statusCode).toBe(303);
      }
    });
  });
}
