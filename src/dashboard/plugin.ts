// The live dashboard at /: log in with the account's SID and auth token, see every live conference and
// who is in it, the conferences that ended last, and any conference's timeline, updating as webhooks
// arrive. Pages are rendered on the server; one small script follows the live feed and swaps in fresh
// parts of the page.

import type { ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { Config } from '../config.js';
import type { Account } from '../domain/account.js';
import { canonicalSid, isSid } from '../domain/ids.js';
import { failureLimit } from '../failure-limit.js';
import type { Reads } from '../reads/index.js';
import { ASSETS_DIRECTORY, ASSETS_PREFIX } from './assets.js';
import { FeedHub } from './feed-hub.js';
import { type FeedCaps, FeedSlots } from './feed-slots.js';
import { feedPath, live } from './live.js';
import { readCharts, readConference, readOverview, search } from './page-data.js';
import { isCrossSite } from './same-origin.js';
import {
  cookieOptions,
  currentSession,
  type EndedSessions,
  logIn,
  newSessionCookie,
  SESSION_COOKIE,
  type Session,
} from './session.js';
import { accountPage } from './views/callbacks.js';
import { chartsPage, PERIODS, type Period } from './views/charts-page.js';
import { conferencePage, notFoundPage } from './views/conference.js';
import { loginPage } from './views/login.js';
import { overviewPage, searchPage } from './views/overview.js';

export interface DashboardOptions {
  reads: Reads;
  /** PUBLIC_URL: a browser that reaches Conclave there over https gets a Secure cookie. */
  publicUrl: string;
  failedAuth: Config['failedAuth'];
  endedSessions: EndedSessions;
  feedCaps: FeedCaps;
  /** How many events of the log a feed may resume behind the head (LIVE_RESUME_EVENTS). */
  maxResume: number;
}

// Nothing but this server's own script, style and images; no framing, no form posting elsewhere.
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    connectSrc: ["'self'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
};

/** Query parameters the dashboard reads, each at most once: a repeated one is a 400, not an array. */
function textQuery(...names: string[]): FastifySchema {
  return {
    querystring: {
      type: 'object',
      properties: Object.fromEntries(names.map((name) => [name, { type: 'string' }])),
    },
  };
}

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
  { reads, publicUrl, failedAuth, endedSessions, feedCaps, maxResume },
) => {
  await app.register(formbody);
  await app.register(cookie);
  const loginLimit = failureLimit(app, 'login', failedAuth);
  const publicHost = new URL(publicUrl);
  await app.register(helmet, {
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Over plain http a browser ignores it, and on a development machine it would pin localhost to https.
    strictTransportSecurity: publicHost.protocol === 'https:',
  });
  const hub = new FeedHub(reads, app.log, { maxResume });
  const slots = new FeedSlots(feedCaps);
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    hub.close();
    for (const stream of streams) stream.end();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  const secure = (request: FastifyRequest) =>
    request.protocol === 'https' || (publicHost.protocol === 'https:' && request.host === publicHost.host);
  const sessionOf = (request: FastifyRequest): Promise<Session | undefined> =>
    currentSession(reads.currentAccount, endedSessions, request.cookies[SESSION_COOKIE], Date.now());
  const refuseCrossSite = (request: FastifyRequest, reply: FastifyReply) =>
    isCrossSite(request, publicHost.origin)
      ? reply.code(403).type('text/plain').send('Forbidden: this form may only be sent from this site')
      : undefined;

  /** Runs `render` for a signed-in account; sends anyone else to the login form and back here after. */
  const withAccount =
    <R extends Query>(
      render: (account: Account, request: FastifyRequest<R>, reply: FastifyReply) => Promise<unknown>,
    ) =>
    async (request: FastifyRequest<R>, reply: FastifyReply) => {
      const session = await sessionOf(request);
      if (session) return render(session.account, request, reply);
      const next = request.url === '/' ? '' : `?${new URLSearchParams({ next: request.url })}`;
      return reply.redirect(`/login${next}`, 303);
    };

  // Pages link every asset by a URL that names its content, so a browser may keep it for good. Only the files
  // present at start-up are routed: no other path reaches the file system.
  await app.register(fastifyStatic, {
    root: ASSETS_DIRECTORY,
    prefix: ASSETS_PREFIX,
    wildcard: false,
    index: false,
    decorateReply: false,
    maxAge: '365d',
    immutable: true,
  });

  app.get<Query>('/login', { schema: textQuery('next') }, async (request, reply) => {
    if (await sessionOf(request)) return reply.redirect(localPath(request.query.next), 303);
    return sendPage(reply, loginPage({ next: localPath(request.query.next) }));
  });

  app.post<{ Body: Record<string, unknown> }>('/login', async (request, reply) => {
    if (refuseCrossSite(request, reply)) return reply;
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
    const session = newSessionCookie(account, Date.now());
    return reply
      .setCookie(SESSION_COOKIE, session.value, cookieOptions(secure(request), session.maxAge))
      .redirect(localPath(next), 303);
  });

  app.post('/logout', async (request, reply) => {
    if (refuseCrossSite(request, reply)) return reply;
    const session = await sessionOf(request);
    if (session) await endedSessions.end(session.account.sid, session.id, session.expiresAt);
    return reply.setCookie(SESSION_COOKIE, '', cookieOptions(secure(request), 0)).redirect('/login', 303);
  });

  app.get<Query>(
    '/',
    { schema: textQuery('q') },
    withAccount(async (account, request, reply) => {
      // Read before the page's data, so that the feed starts at or before it: no change made after the
      // page was read can be missed.
      const feed = feedPath(await reads.feedHead());
      const now = new Date();
      const query = request.query.q?.trim() ?? '';
      // PostgreSQL text cannot hold NUL, so no name or number has one and the database refuses to compare.
      if (query.includes('\u0000')) {
        return reply
          .code(400)
          .type('text/plain')
          .send('q holds a NUL character, which no name or number has');
      }
      const body =
        query === ''
          ? overviewPage(account, await readOverview(reads, account.sid), feed, now)
          : searchPage(account, query, await search(reads, account.sid, query), feed, now);
      return sendPage(reply, body);
    }),
  );

  app.get<Query>(
    '/charts',
    { schema: textQuery('period') },
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
      const sid = canonicalSid(request.params.sid);
      const head = await reads.feedHead();
      const view = isSid('CF', sid) ? await readConference(reads, account.sid, sid) : undefined;
      if (!view) return sendPage(reply, notFoundPage(account), 404);
      // The feed knows a conference by the Sid Conclave minted, whichever Sid the path names.
      return sendPage(reply, conferencePage(account, view, feedPath(head, view.conference.sid), new Date()));
    }),
  );

  app.get(
    '/account',
    withAccount(async (account, _request, reply) =>
      sendPage(reply, accountPage(account, await reads.accountSink(account.sid))),
    ),
  );

  app.get<Query>('/live', { schema: textQuery('after', 'conference') }, async (request, reply) => {
    const session = await sessionOf(request);
    if (!session) return reply.code(401).type('text/plain').send('Log in to follow the live feed');
    const stillSignedIn = async () => (await sessionOf(request))?.id === session.id;
    return live(request, reply, session, { hub, streams, slots, stillSignedIn });
  });
};
