// The dashboard's pages through inject(): logging in and out, what needs a session, every value escaped,
// live conferences with their participants' marks, completed ones, search, and a conference's timeline.

import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ICON_PATH, SCRIPT_PATH, STYLE_PATH } from '../../src/dashboard/assets.js';
import { newSessionCookie, SESSION_COOKIE } from '../../src/dashboard/session.js';
import { type Account, newAccount, saveAccount } from '../../src/store/accounts.js';
import { apply, conferenceSidOf, useTenants } from '../api/seed.js';
import { useApp } from '../helpers/app.js';
import { callSid, commands } from '../helpers/commands.js';
import { databaseKinds } from '../helpers/databases.js';
import { logIn } from './helpers.js';

// Every character HTML must escape, and text from beyond ASCII.
const NASTY = `<script>alert("x")</script> & 'Ünïcode' ☃ 日本`;
const NASTY_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Ünïcode&#39; ☃ 日本';
const HOST = callSid(1);
const GUEST = callSid(2);
const COACH = callSid(3);
const CALLER = callSid(4);

function form(fields: Record<string, string>) {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  };
}

describe.each(databaseKinds)('dashboard pages on $name', (kind) => {
  const t = useTenants(useApp(kind));
  let cookie: string;
  let liveSid: string;
  let endedSid: string;

  beforeAll(async () => {
    const c = commands();
    await apply(t.database, t.account.sid, [
      c.join(HOST, NASTY, { label: '<b>host</b>', endConferenceOnExit: true }, { from: '+15550001' }),
      c.join(GUEST, NASTY, { muted: true }, { from: '+15550002' }),
      c.join(COACH, NASTY, { label: 'coach', callSidToCoach: HOST }, { from: '+15550003' }),
      c.update(GUEST, { muted: true, hold: true }),
      c.join(CALLER, 'Weekly 100% _done_', {}, { from: '+15557000' }),
      c.join(callSid(5), 'Weekly 100% _done_', {}, { from: '+15557001' }),
      c.leave(CALLER),
      c.leave(callSid(5)),
    ]);
    liveSid = await conferenceSidOf(t.database, t.account.sid, NASTY);
    endedSid = await conferenceSidOf(t.database, t.account.sid, 'Weekly 100% _done_');
    cookie = await logIn(t.app, t.account);
  });

  const get = (url: string, session = cookie) =>
    t.app.inject({ method: 'GET', url, headers: session === '' ? {} : { cookie: session } });

  describe('logging in', () => {
    it('sends a visitor without a session to the login form, and back after', async () => {
      const home = await get('/', '');
      expect(home.statusCode).toBe(303);
      expect(home.headers.location).toBe('/login');
      const deep = await get(`/conferences/${liveSid}`, '');
      expect(deep.headers.location).toBe(`/login?next=%2Fconferences%2F${liveSid}`);
      expect((await get('/live', '')).statusCode).toBe(401);

      const login = await get(`/login?next=%2Fconferences%2F${liveSid}`, '');
      expect(login.statusCode).toBe(200);
      expect(login.body).toContain('<label for="sid">Account SID</label>');
      expect(login.body).toContain('<label for="token">Auth token</label>');
      expect(login.body).toContain('type="password"');
      expect(login.body).toContain(`name="next" value="/conferences/${liveSid}"`);
    });

    it('opens a signed, HttpOnly, SameSite=Strict session that never holds the token', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/login',
        ...form({
          AccountSid: t.account.sid,
          AuthToken: t.account.authToken,
          next: `/conferences/${liveSid}`,
        }),
      });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`/conferences/${liveSid}`);
      const setCookie = String(response.headers['set-cookie']);
      const [value, ...attributes] = setCookie.split('; ');
      expect(value).toMatch(
        new RegExp(`^${SESSION_COOKIE}=${t.account.sid}\\.\\d+\\.[\\w-]{22}\\.[\\w-]{43}$`),
      );
      expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Strict']);
      expect(setCookie).not.toContain(t.account.authToken);
      expect(response.headers.location).not.toContain(t.account.authToken);
    });

    it('marks the cookie Secure when the browser comes by the https PUBLIC_URL', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { host: 'conclave.test', 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          AccountSid: t.account.sid,
          AuthToken: t.account.authToken,
        }).toString(),
      });
      expect(String(response.headers['set-cookie']).split('; ')).toContain('Secure');
    });

    it.each([
      ['a wrong token', (a: Account) => ({ AccountSid: a.sid, AuthToken: `${a.authToken.slice(1)}0` })],
      ['an unknown account', () => ({ AccountSid: newAccount('x').sid, AuthToken: 'whatever' })],
      ['a malformed SID', () => ({ AccountSid: '"><b>AC', AuthToken: 'whatever' })],
      ['nothing', () => ({})],
    ])('refuses %s, showing the SID again but never the token', async (_case, fields) => {
      const given = fields(t.account) as Record<string, string>;
      const response = await t.app.inject({ method: 'POST', url: '/login', ...form(given) });
      expect(response.statusCode).toBe(401);
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(response.body).toContain('role="alert"');
      if (given.AuthToken) expect(response.body).not.toContain(given.AuthToken);
      expect(response.body).not.toContain(t.account.authToken);
      expect(response.body).not.toContain('"><b>');
    });

    it('goes nowhere but a path on this server after logging in', async () => {
      for (const next of [
        '//evil.example/',
        'https://evil.example/',
        '/\\evil.example',
        'javascript:alert(1)',
      ]) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/login',
          ...form({ AccountSid: t.account.sid, AuthToken: t.account.authToken, next }),
        });
        expect(response.headers.location).toBe('/');
      }
    });

    it('refuses a tampered or expired session, and every session once the token changes', async () => {
      const [name, value] = cookie.split('=') as [string, string];
      const other = value.replace(t.account.sid, t.otherAccount.sid);
      expect((await get('/', `${name}=${other}`)).statusCode).toBe(303);
      const expired = `${SESSION_COOKIE}=${newSessionCookie(t.account, Date.now() - 13 * 60 * 60 * 1000).value}`;
      expect((await get('/', expired)).statusCode).toBe(303);

      const rotating = newAccount('Rotating');
      await saveAccount(t.database.db, rotating);
      const session = await logIn(t.app, rotating);
      expect((await get('/', session)).statusCode).toBe(200);
      await saveAccount(t.database.db, { ...rotating, authToken: newAccount('new').authToken });
      expect((await get('/', session)).statusCode).toBe(303);
    });

    it('logs out by clearing the cookie', async () => {
      // A session of its own: logging out ends it, and the other tests go on with theirs.
      const session = await logIn(t.app, t.account);
      const response = await t.app.inject({ method: 'POST', url: '/logout', headers: { cookie: session } });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/login');
      const [value, ...attributes] = String(response.headers['set-cookie']).split('; ');
      expect(value).toBe(`${SESSION_COOKIE}=`);
      expect(attributes).toContain('Max-Age=0');
      expect(attributes).toContain('Path=/');
    });
  });

  describe('the overview', () => {
    it('shows each live conference with its participants and their marks, escaping every value', async () => {
      const response = await get('/');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      const { body } = response;
      expect(body).not.toContain('<script>alert');
      expect(body).not.toContain('<b>host</b>');
      const start = body.indexOf(`data-conference="${liveSid}"`);
      const card = body.slice(start, body.indexOf('</section>', start));
      expect(card).toContain(NASTY_ESCAPED);
      expect(card).toContain('data-status="in-progress">in progress</span>');
      expect(card).toContain('running for <span data-since="');
      expect(card).toContain('3 participants');
      const participant = (sid: string) => {
        const at = card.indexOf(`data-call="${sid}"`);
        return card.slice(at, card.indexOf('</li>', at));
      };
      expect(participant(HOST)).toContain('&lt;b&gt;host&lt;/b&gt;');
      expect(participant(HOST)).toContain('+15550001');
      expect(participant(HOST)).toContain('data-mark="moderator"');
      expect(participant(GUEST)).toContain('data-mark="muted"');
      expect(participant(GUEST)).toContain('data-mark="on hold"');
      expect(participant(GUEST)).not.toContain('moderator');
      expect(participant(COACH)).toContain('data-mark="coaching">coaching &lt;b&gt;host&lt;/b&gt;</span>');
    });

    it('lists completed conferences with how they ended', async () => {
      const { body } = await get('/');
      const completed = body.slice(body.indexOf('id="completed-conferences"'));
      expect(completed).toContain(`href="/conferences/${endedSid}">Weekly 100% _done_</a>`);
      expect(completed).toContain('the last participant left');
      expect(completed).toContain('2 participants');
    });

    it("shows another account's conferences to nobody but that account", async () => {
      const other = await logIn(t.app, t.otherAccount);
      const { body } = await get('/', other);
      expect(body).toContain('No conference is live.');
      expect(body).not.toContain(liveSid);
      const response = await get(`/conferences/${liveSid}`, other);
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain(NASTY_ESCAPED);
    });

    it('never shows the auth token, and follows the feed from where the page was read', async () => {
      const { body } = await get('/');
      expect(body).not.toContain(t.account.authToken);
      expect(body).toMatch(/<body data-feed="\/live\?after=\d+%3A\d+">/);
    });

    it('is served with a strict content security policy and its own assets only', async () => {
      const response = await get('/');
      expect(String(response.headers['content-security-policy']).split(/; ?/)).toEqual([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ]);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.body).toContain(`<script type="module" src="${SCRIPT_PATH}"></script>`);
      expect(response.body).not.toMatch(/<script>|https?:\/\//);
      for (const [path, type] of [
        [STYLE_PATH, 'text/css; charset=utf-8'],
        // A JavaScript MIME type that browsers run as a module script.
        [SCRIPT_PATH, 'application/javascript; charset=utf-8'],
        [ICON_PATH, 'image/svg+xml'],
      ]) {
        const asset = await get(path as string, '');
        expect(asset.statusCode).toBe(200);
        expect(asset.headers['content-type']).toBe(type);
        expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        // The URL names the content, so that a changed file is fetched afresh.
        const digest = createHash('sha256').update(asset.rawPayload).digest('hex').slice(0, 12);
        expect(path).toMatch(new RegExp(`\\?v=${digest}$`));
      }
      for (const path of [
        '/assets/',
        '/assets/missing.js',
        '/assets/../package.json',
        '/assets/%2e%2e/package.json',
      ]) {
        expect((await get(path, '')).statusCode, path).toBe(404);
      }
    });
  });

  describe('search', () => {
    const found = async (q: string) => {
      const { body } = await get(`/?${new URLSearchParams({ q })}`);
      return [...body.matchAll(/<li data-conference="(CF[0-9a-f]{32})"/g)].map((m) => m[1]);
    };

    it('finds rooms by any part of their name, whatever the case, taking % and _ literally', async () => {
      expect(await found('ünïCODE')).toEqual([liveSid]);
      expect(await found('100% _d')).toEqual([endedSid]);
      expect(await found('100%_')).toEqual([]);
      expect(await found('_')).toEqual([endedSid]);
    });

    it('finds the conferences a CallSid or a phone number took part in', async () => {
      expect(await found(GUEST)).toEqual([liveSid]);
      expect(await found(CALLER)).toEqual([endedSid]);
      expect(await found('+1 555-7001')).toEqual([endedSid]);
      expect(await found('+15550003')).toEqual([liveSid]);
      expect(await found(liveSid)).toEqual([liveSid]);
    });

    it('says so when nothing matches, echoing the search escaped', async () => {
      const { body } = await get(`/?${new URLSearchParams({ q: '<i>"nothing"' })}`);
      expect(body).toContain('No conference matches.');
      expect(body).toContain('Conferences matching “&lt;i&gt;&quot;nothing&quot;”');
      expect(body).toContain('value="&lt;i&gt;&quot;nothing&quot;"');
      expect(body).not.toContain('<i>');
    });
  });

  describe('a conference', () => {
    it('tells its timeline from the event log: joins, mutes, holds, leaves and how it ended', async () => {
      const c = commands();
      const room = `Timeline ${NASTY}`;
      await apply(t.database, t.account.sid, [
        c.join(callSid(20), room, { label: 'chair', endConferenceOnExit: true }, { from: '+15552000' }),
        c.join(callSid(21), room, {}, { from: '+15552001' }),
        c.update(callSid(21), { muted: true }),
        c.update(callSid(21), { muted: true, hold: true }),
        c.update(callSid(21), { muted: false, hold: false }),
        c.leave(callSid(20), 'left'),
      ]);
      const sid = await conferenceSidOf(t.database, t.account.sid, room);
      const { body, statusCode } = await get(`/conferences/${sid}`);
      expect(statusCode).toBe(200);
      expect(body).toContain(`<h1>Timeline ${NASTY_ESCAPED}</h1>`);
      const timeline = [...body.matchAll(/<span class="what">([^<]*)<\/span>/g)].map((m) => m[1]);
      expect(timeline).toEqual([
        'Conference opened',
        'chair joined from +15552000 (moderator)',
        '+15552001 joined',
        'Conference started',
        '+15552001 was muted',
        '+15552001 was put on hold',
        '+15552001 was unmuted and was taken off hold',
        'chair left',
        '+15552001 left as the conference ended',
        'Conference ended: the moderator left (chair)',
      ]);
      expect(body).toContain('data-status="completed">completed</span>');
      expect(body).toContain('In the conference now (0)');
      expect(body).toContain('Left (2)');
      expect(body).toMatch(/<body data-feed="\/live\?after=\d+%3A\d+&amp;conference=CF[0-9a-f]{32}">/);
    });

    it('shows the last hundred to leave a long-lived room, and how many left in all', async () => {
      const c = commands();
      const room = 'Open line';
      const callers = Array.from({ length: 103 }, (_, i) => callSid(100 + i));
      // They leave in the reverse of the order they joined, but for the last to join, who stays.
      await apply(t.database, t.account.sid, [
        ...callers.map((call, i) =>
          c.join(call, room, {}, { from: `+1555300${String(i).padStart(4, '0')}` }),
        ),
        ...callers
          .slice(0, 102)
          .reverse()
          .map((call) => c.leave(call)),
      ]);
      const { body, statusCode } = await get(
        `/conferences/${await conferenceSidOf(t.database, t.account.sid, room)}`,
      );
      expect(statusCode).toBe(200);
      expect(body).toContain('In the conference now (1)');
      expect(body).toContain('Left (102)');
      expect(body).toContain('The last 100 to leave are shown.');
      const listed = [...body.matchAll(/<li data-call="(CA[0-9a-f]{32})"/g)].map((m) => m[1]);
      expect(listed).toEqual([callers[102], ...callers.slice(0, 100).reverse()]);
    });

    it('answers 404 for a Sid that is not a conference of the account', async () => {
      expect((await get(`/conferences/CF${'0'.repeat(32)}`)).statusCode).toBe(404);
      expect((await get('/conferences/nonsense')).statusCode).toBe(404);
    });
  });
});
