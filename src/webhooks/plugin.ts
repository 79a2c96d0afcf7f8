// The webhook front end: the four routes the telephony edge calls, by POST with a form body or by GET with
// the query, each signed. Form parsing is registered here only, so it applies to these routes alone.

import formbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics, WebhookOutcome } from '../metrics.js';
import type { Database } from '../store/database.js';
import { type Handled, handleCommand } from '../store/handle-command.js';
import { authenticate } from './authenticate.js';
import { badRequest } from './errors.js';
import { deliveryKey, IDEMPOTENCY_HEADER } from './idempotency.js';
import type { Webhook, WebhookRoute } from './route.js';
import { callStatus } from './routes/call-status.js';
import { conferenceStatus } from './routes/conference-status.js';
import { dialAction } from './routes/dial-action.js';
import { voice } from './routes/voice.js';
import type { CallbackUrls } from './twiml.js';

export interface WebhooksOptions {
  database: Database;
  /** PUBLIC_URL: what signatures are checked against and callback URLs are built from. */
  publicUrl: string;
  metrics: Metrics;
  /** Milliseconds since the epoch; tests set it to replay traffic from other days. */
  clock: () => number;
}

function outcomeLabel(handled: Handled): WebhookOutcome {
  if ('refused' in handled) return 'refused';
  if (handled.duplicate) return 'duplicate';
  const { outcome } = handled;
  if (outcome.result === 'rejected')
    return outcome.reason === 'conference-full' ? 'rejected-full' : 'rejected-ended';
  return outcome.result;
}

const ROUTES: readonly WebhookRoute[] = [voice, callStatus, dialAction, conferenceStatus];

export const webhooks: FastifyPluginAsync<WebhooksOptions> = async (
  app,
  { database, publicUrl, metrics, clock },
) => {
  // Webhooks are forms; any other body type is refused (415) before a route runs.
  app.removeAllContentTypeParsers();
  await app.register(formbody);

  const urls: CallbackUrls = {
    dialAction: publicUrl + dialAction.path,
    conferenceStatus: publicUrl + conferenceStatus.path,
  };

  for (const route of ROUTES) {
    app.route({
      method: ['GET', 'POST'],
      url: route.path,
      async handler(request, reply) {
        const { accountSid, params } = await authenticate(database.db, publicUrl, request);
        const webhook: Webhook = {
          params,
          publicUrl,
          urls,
          now: clock(),
          async deliver(command, keyFields, room) {
            const key = deliveryKey(route.path, request.headers[IDEMPOTENCY_HEADER], keyFields);
            const handled = await handleCommand(
              database.db,
              { accountSid, key, command, room: room ?? null },
              metrics.store,
            );
            metrics.webhookOutcome(outcomeLabel(handled));
            if ('refused' in handled) throw badRequest(handled.refused.message);
            return handled.outcome;
          },
        };
        const twiml = await route.handle(webhook);
        if (twiml === null) return reply.code(204).send();
        return reply.type('text/xml').send(twiml);
      },
    });
    // The route exists, so "not found" would mislead a sender that picked the wrong method.
    app.route({
      method: ['DELETE', 'PATCH', 'PUT'],
      url: route.path,
      handler: (_request, reply) =>
        reply
          .code(405)
          .header('allow', 'GET, POST')
          .type('text/plain')
          .send('Method not allowed: use POST or GET'),
    });
  }
};
