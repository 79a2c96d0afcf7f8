// The live dashboard at /: log in with the account's SID and auth token, see every live conference and
// who is in it, the conferences that ended last, and any conference's timeline, updating as webhooks
// arrive. Pages are rendered on the server; one small script follows the live feed and swaps in fresh
// parts of the page.

import type { ServerResponse } from 'node:http';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Account } from '../domain/account.js';
import { isSid } from '../domain/ids.js';
import { failureLimit } from '../failure-limit.js';
import type { Reads } from '../reads/index.js';
import { ASSETS } from './assets.js';
import { FeedHub } from './feed-hub.js';
import { feedPath, live } from './live.js';
import { readCharts, readConference, readOverview, search } from './page-data.js';
import { endedSessionCookie, logIn, sessionAccount, sessionCookie } from './session.js';
import { chartsPage, PERIODS, type Period } from './views/charts-page.js';
import { conferencePage, notFoundPage } from './views/conference.js';
import { loginPage } from './views/login.js';
import { overviewPage, searchPage } from './views/overview.js';

export interface DashboardOptions {
  reads: Reads;
  /** PUBLIC_URL: a browser that reaches Conclave there over https gets a Secure cookie. */
  publicUrl: string;
  failedAuth: Config['failedAuth'];
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Where to go after logging in: a path on this server, never another site. */
function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}

type Query = { Querystring: Record<string, string | undefined> };

function sendPage(reply: FastifyReply, body: string, status = 200) {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export const dashboard: FastifyPluginAsync<DashboardOptions> = async (
  app,
  { reads, publicUrl, failedAuth },
) => {
  await app.register(formbody);
  const loginLimit = failureLimit(app, 'login', failedAuth);
  const hub = new FeedHub(reads, app.log);
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    hub.close();
    for (const stream of streams) stream.end();
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  const publicHost = new URL(publicUrl);
  const secure = (request: FastifyRequest) =>
    request.protocol === 'https' || (publicHost.protocol === 'https:' && request.host === publicHost.host);
  const signedIn = (request: FastifyRequest) =>
    sessionAccount(reads.currentAccount, request.headers.cookie, Date.now());

  /** Runs `render` for a signed-in account; sends anyone else to the login form and back here after. */
  const withAccount =
    <R extends Query>(
      render: (account: Account, request: FastifyRequest<R>, reply: FastifyReply) => Promise<unknown>,
    ) =>
    async (request: FastifyRequest<R>, reply: FastifyReply) => {
      const account = await signedIn(request);
      if (account) return render(account, request, reply);
      const next = request.url === '/' ? '' : `?${new URLSearchParams({ next: request.url })}`;
      return reply.redirect(`/login${next}`, 303);
    };

  for (const [path, asset] of ASSETS) {
    app.get(path, async (_request, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body),
    );
  }

  app.get<Query>('/login', async (request, reply) => {
    if (await signedIn(request)) return reply.redirect(localPath(request.query.next), 303);
    return sendPage(reply, loginPage({ next: localPath(request.query.next) }));
  });

  app.post<{ Body: Record<string, unknown> }>('/login', async (request, reply) => {
    const { AccountSid, AuthToken, next } = request.body ?? {};
    const sid = typeof AccountSid === 'string' ? AccountSid.trim() : '';
    const wait = await loginLimit.blockedFor(request);
    if (wait !== undefined) {
      const error = `Too many failed logins from this address: try again in ${wait} s.`;
      reply.header('retry-after', String(wait));
      return sendPage(reply, loginPage({ sid, error, next: localPath(next) }), 429);
    }
    const account = await logIn(reads.currentAccount, sid, typeof AuthToken === 'string' ? AuthToken : '');
    if (!account) {
      await loginLimit.failed(request);
      const error = 'That account SID and auth token do not match an account.';
      return sendPage(reply, loginPage({ sid, error, next: localPath(next) }), 401);
    }
    return reply
      .header('set-cookie', sessionCookie(account, Date.now(), secure(request)))
      .redirect(localPath(next), 303);
  });

  app.post('/logout', async (request, reply) =>
    reply.header('set-cookie', endedSessionCookie(secure(request))).redirect('/login', 303),
  );

  app.get<Query>(
    '/',
    withAccount(async (account, request, reply) => {
      // Read before the page's data, so that the feed starts at or before it: no change made after the
      // page was read can be missed.
      const feed = feedPath(await reads.feedHead());
      const now = new Date();
      const query = request.query.q?.trim() ?? '';
      const body =
        query === ''
          ? overviewPage(account, await readOverview(reads, account.sid), feed, now)
          : searchPage(account, query, await search(reads, account.sid, query), feed, now);
      return sendPage(reply, body);
    }),
  );

  app.get<Query>(
    '/charts',
    withAccount(async (account, request, reply) => {
      const feed = feedPath(await reads.feedHead());
      const asked = request.query.period ?? '24h';
      const period: Period = Object.hasOwn(PERIODS, asked) ? (asked as Period) : '24h';
      const view = await readCharts(reads, account.sid, period, new Date());
      return sendPage(reply, chartsPage(account, view, feed));
    }),
  );

  app.get<Query & { Params: { sid: string } }>(
    '/conferences/:sid',
    withAccount(async (account, request, reply) => {
      const { sid } = request.params;
      const head = await reads.feedHead();
      const view = isSid('CF', sid) ? await readConference(reads, account.sid, sid) : undefined;
      if (!view) return sendPage(reply, notFoundPage(account), 404);
      return sendPage(reply, conferencePage(account, view, feedPath(head, sid), new Date()));
    }),
  );

  app.get<Query>('/live', async (request, reply) => {
    const account = await signedIn(request);
    if (!account) return reply.code(401).type('text/plain').send('Log in to follow the live feed');
    return live(request, reply, account, { hub, streams });
  });
};
