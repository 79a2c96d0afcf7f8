// Builds the Fastify application from a configuration and an open database, without listening, so that
// tests drive it through inject() and the server decides where it listens.

import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { isTwilioError, sendTwilioError, twilioErrorFor, twilioNotFoundHandler } from './api/errors.js';
import api, { API_PREFIX } from './api/plugin.js';
import { commandsOf } from './commands/index.js';
import type { Config } from './config.js';
import { dashboard } from './dashboard/plugin.js';
import { health } from './health.js';
import { OneLinePerRequest } from './logging.js';
import { metricsPlugin } from './metrics.js';
import { parseQuery } from './query-string.js';
import { readsOf } from './reads/index.js';
import { UNAVAILABLE_MESSAGE, unavailable } from './refusals.js';
import type { Database } from './store/database.js';
import { type UnavailableCause, unavailableCause } from './store/errors.js';
import { isMigrated } from './store/migrate.js';
import { endSession, isSessionEnded } from './store/sessions.js';
import { webhooks } from './webhooks/plugin.js';

export interface AppOptions {
  config: Config;
  database: Database;
  logger?: FastifyServerOptions['logger'];
  /** Milliseconds since the epoch; the default is the system clock. */
  clock?: () => number;
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
}

/** The plain answer of a 503 for contention, naming it so that a sender can tell it from an outage. */
const CONTENTION: Record<Exclude<UnavailableCause, 'outage'>, string> = {
  deadlock: 'Service unavailable: deadlock detected (40P01), try again shortly',
  'lock-timeout': 'Service unavailable: lock wait timed out (55P03), try again shortly',
};

/**
 * The status and message for `error`, logged and counted as its cause asks; headers such as Retry-After
 * set on `reply`. A database away or contended is a 503 the sender may retry; a 5xx of any other cause is
 * a fault of Conclave's, logged and answered without its details.
 */
function answerTo(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  metrics: FastifyInstance['metrics'],
): { status: number; message: string } {
  const cause = unavailableCause(error);
  if (cause !== null) {
    metrics.unavailable(cause);
    if (cause === 'outage') {
      unavailable(request, reply, error);
      return { status: 503, message: UNAVAILABLE_MESSAGE };
    }
    // Contention is Conclave's own fault, not the database's absence: logged as an error, apart.
    request.log.error({ err: error, cause }, 'lock contention');
    reply.header('retry-after', '1');
    return { status: 503, message: CONTENTION[cause] };
  }
  const status = error.statusCode ?? 500;
  if (status < 500) return { status, message: error.message };
  request.log.error({ err: error }, 'request failed');
  return { status: 500, message: 'Internal error' };
}

/** Whether `url` (its query included) is the REST API's: its prefix alone, or anything under it. */
function isApiPath(url: string): boolean {
  const after = url.charAt(API_PREFIX.length);
  return url.startsWith(API_PREFIX) && (after === '' || after === '/' || after === '?');
}

/**
 * A path Fastify cannot route (a percent sign not followed by a character's code, a segment longer than any
 * Sid or name) names nothing: the REST API answers it as any unknown path, in Twilio's shape; the other
 * surfaces in plain text, without echoing the path.
 */
function unroutable(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isApiPath(request.url)) return twilioNotFoundHandler(request, reply);
  return reply
    .code(error.statusCode ?? 400)
    .type('text/plain')
    .send('Bad request: the path is not valid percent-encoded UTF-8, or a segment of it is too long');
}

/** Webhook bodies are small forms; anything far larger is a mistake or an attack. */
const BODY_LIMIT = 64 * 1024;
// The router measures a path parameter once decoded, in UTF-16 units: a participant label's longest
// (128 characters, as a webhook takes it, each up to two units) with `.json` after it.
const MAX_LABEL_IN_PATH = 128 * 2 + '.json'.length;

export async function buildApp({
  config,
  database,
  logger = false,
  clock = Date.now,
}: AppOptions): Promise<FastifyInstance> {
  const { requestTimeout, maxConnections } = config.limits;
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT,
    // The whole request, headers and body, must arrive within REQUEST_TIMEOUT, or Node answers 408 and
    // closes the socket: a client sending a byte now and then cannot hold one for ever. Node looks for
    // such requests on an interval (30 s by default), kept well inside the bound.
    requestTimeout: requestTimeout * 1000,
    http: {
      requestTimeout: requestTimeout * 1000,
      headersTimeout: requestTimeout * 1000,
      connectionsCheckingInterval: Math.min(1000, requestTimeout * 250),
    },
    // A proxy's X-Request-Id ties our log lines to its own, but it is the client's text: taken only when
    // short and plain, so that nobody can flood or forge log lines through it.
    requestIdHeader: false,
    genReqId: (request) => acceptedRequestId(request.headers['x-request-id']) ?? randomUUID(),
    // Signatures are checked against PUBLIC_URL whatever this says; it decides only the client address
    // (and scheme) behind a proxy, which the limits on failed logins count by.
    trustProxy: config.trustProxy,
    frameworkErrors: unroutable,
    routerOptions: {
      // Named rather than left to the default, so that the signature check reads a query as the routes do.
      querystringParser: parseQuery,
      // A participant is fetched by its label in place of its CallSid.
      maxParamLength: MAX_LABEL_IN_PATH,
    },
    logController: new OneLinePerRequest(),
  });

  app.server.maxConnections = maxConnections;

  // The one error handler: it chooses the status, logs and counts; the REST side gives the answer
  // Twilio's shape, the other surfaces plain text.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // An error the REST side raised is in Twilio's terms already, wherever the path stops.
    if (isTwilioError(error)) return sendTwilioError(request, reply, error);
    const { status, message } = answerTo(error, request, reply, app.metrics);
    if (isApiPath(request.url)) return sendTwilioError(request, reply, twilioErrorFor(status, message));
    return reply.code(status).type('text/plain').send(message);
  });

  const reads = readsOf(database.db);
  const poolUsage = () => database.poolUsage();
  await app.register(metricsPlugin, { reads, poolUsage, token: config.metricsToken, clock });
  await app.register(health, { isMigrated: () => isMigrated(database) });
  const commands = commandsOf(database.db, app.metrics.store, database.kind);
  await app.register(webhooks, { commands, publicUrl: config.publicUrl, metrics: app.metrics, clock });
  // Only for the limits on failures that the REST side and the dashboard ask for; nothing else is limited.
  await app.register(rateLimit, { global: false });
  await app.register(api, { reads, failedAuth: config.failedAuth });
  const { liveFeedsPerSession, liveFeedsPerAccount, liveResumeEvents } = config.limits;
  await app.register(dashboard, {
    reads,
    publicUrl: config.publicUrl,
    failedAuth: config.failedAuth,
    endedSessions: {
      end: (accountSid, sessionId, expiresAt) =>
        endSession(database.db, accountSid, sessionId, expiresAt, new Date(clock())),
      isEnded: (accountSid, sessionId) => isSessionEnded(database.db, accountSid, sessionId),
    },
    feedCaps: { perSession: liveFeedsPerSession, perAccount: liveFeedsPerAccount },
    maxResume: liveResumeEvents,
  });
  return app;
}
