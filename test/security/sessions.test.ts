// Finding 4 of the hardening review: a logout must end its session on every replica, and another site must
// not be able to log a browser in or out. Two app instances share one database here, as two replicas
// behind a load balancer do (on PostgreSQL each has its own pool).

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Database } from '../../src/store/database.js';
import { logIn } from '../dashboard/helpers.js';
import { PUBLIC_URL, useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(databaseKinds)('dashboard sessions across app instances on $name', (kind) => {
  const t = useApp(kind);
  let other: FastifyInstance;
  let otherDatabase: Database;

  beforeAll(async () => {
    otherDatabase = kind.name === 'postgres' ? await t.database.openReplica(2) : t.database;
    other = await buildApp({ config: t.config, database: otherDatabase });
  });
  afterAll(async () => {
    await other?.close();
  });

  const page = (app: FastifyInstance, cookie: string) =>
    app.inject({ method: 'GET', url: '/', headers: { cookie } });

  it('refuses a logged-out cookie at the other instance, and keeps other sessions', async () => {
    const cookie = await logIn(t.app, t.account);
    const kept = await logIn(t.app, t.account);
    expect((await page(other, cookie)).statusCode).toBe(200);

    const logout = await t.app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(303);

    // The browser may keep the cookie (a copy, another tab): it no longer opens a page anywhere.
    for (const app of [other, t.app]) {
      const response = await page(app, cookie);
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/login');
    }
    const feed = await other.inject({ method: 'GET', url: '/live', headers: { cookie } });
    expect(feed.statusCode).toBe(401);
    expect((await page(other, kept)).statusCode).toBe(200);
  });

  it.each([
    ['an Origin of another site', { origin: 'https://evil.example' }],
    ['a null Origin', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site', origin: 'https://sub.conclave.test' }],
  ])('refuses a login and a logout sent from %s', async (_case, headers) => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { ...FORM, ...headers },
      payload: new URLSearchParams({ AccountSid: t.account.sid, AuthToken: t.account.authToken }).toString(),
    });
    expect(login.statusCode).toBe(403);
    expect(login.body).toMatch(/only be sent from this site/);
    expect(login.headers['set-cookie']).toBeUndefined();

    const cookie = await logIn(t.app, t.account);
    const logout = await t.app.inject({ method: 'POST', url: '/logout', headers: { cookie, ...headers } });
    expect(logout.statusCode).toBe(403);
    expect(logout.headers['set-cookie']).toBeUndefined();
    expect((await page(t.app, cookie)).statusCode).toBe(200);
  });

  it.each([
    ['its own Origin and Sec-Fetch-Site', { origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' }],
    ['the Origin of the host it was reached at', { origin: 'http://localhost:3000', host: 'localhost:3000' }],
  ])('accepts a login sent from %s', async (_case, headers) => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { ...FORM, ...headers },
      payload: new URLSearchParams({ AccountSid: t.account.sid, AuthToken: t.account.authToken }).toString(),
    });
    expect(login.statusCode).toBe(303);
    expect(String(login.headers['set-cookie'])).toMatch(/^conclave_session=AC/);
  });
});
