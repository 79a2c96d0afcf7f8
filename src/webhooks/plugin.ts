// The webhook front end: the routes the telephony edge calls, by POST with a form body or by GET with the
// query, each signed. Every route runs the same way: authenticate, parse, deliver, reply. Form parsing is
// registered here only, so it applies to these routes alone.

import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands, DeliveryResult } from '../commands/index.js';
import type { JoinRejectionReason } from '../domain/events.js';
import type { Metrics, WebhookOutcome } from '../metrics.js';
import { methodsBesides, refuseMethod } from '../refusals.js';
import { authenticate } from './authenticate.js';
import { deliveryIdentity, IDEMPOTENCY_HEADER } from './idempotency.js';
import type { WebhookRoute } from './route.js';
import { callStatus } from './routes/call-status.js';
import { conferenceStatus } from './routes/conference-status.js';
import { dialAction } from './routes/dial-action.js';
import { recordingStatus } from './routes/recording-status.js';
import { voice } from './routes/voice.js';
import type { CallbackUrls } from './twiml.js';

export interface WebhooksOptions {
  commands: Commands;
  /** PUBLIC_URL: what signatures are checked against and callback URLs are built from. */
  publicUrl: string;
  metrics: Metrics;
  /** Milliseconds since the epoch; tests set it to replay traffic from other days. */
  clock: () => number;
}

const REJECTED: Record<JoinRejectionReason, WebhookOutcome> = {
  'conference-full': 'rejected-full',
  'call-ended': 'rejected-ended',
  'duplicate-label': 'rejected-label',
  'coach-not-connected': 'rejected-coach',
  'invalid-attribute': 'rejected-attribute',
};

function outcomeLabel({ duplicate, outcome }: DeliveryResult): WebhookOutcome {
  if (duplicate) return 'duplicate';
  if (outcome.result === 'rejected') return REJECTED[outcome.reason];
  return outcome.result;
}

const ROUTES: readonly WebhookRoute[] = [voice, callStatus, dialAction, conferenceStatus, recordingStatus];

function answer(reply: FastifyReply, twiml: string | null) {
  return twiml === null ? reply.code(204).send() : reply.type('text/xml').send(twiml);
}

export const webhooks: FastifyPluginAsync<WebhooksOptions> = async (
  app,
  { commands, publicUrl, metrics, clock },
) => {
  // Webhooks are forms; any other body type is refused (415) before a route runs.
  app.removeAllContentTypeParsers();
  await app.register(formbody);

  const urls: CallbackUrls = {
    dialAction: publicUrl + dialAction.path,
    conferenceStatus: publicUrl + conferenceStatus.path,
    recordingStatus: publicUrl + recordingStatus.path,
  };

  // Every other method gets 405 before its body is read. HEAD among them: Fastify would otherwise answer it
  // with the GET handler, and a webhook that changes state must not run for a request that wants no answer.
  const otherMethods = methodsBesides(app, ['GET', 'POST']);
  const refuse = async (_request: FastifyRequest, reply: FastifyReply) =>
    refuseMethod(reply, 'GET, POST').type('text/plain').send('Method not allowed: use POST or GET');

  for (const route of ROUTES) {
    app.route({
      method: ['GET', 'POST'],
      url: route.path,
      exposeHeadRoute: false,
      async handler(request, reply) {
        const { accountSid, params } = await authenticate(commands, publicUrl, request);
        const parsed = route.parse(params, { now: clock(), publicUrl });
        if (parsed === null) return answer(reply, null);
        const { command } = parsed;
        const warnings = command.type === 'JoinConference' ? (command.data.warnings ?? []) : [];
        if (warnings.length > 0) {
          // What Twilio would log as warnings in its debugger: the call goes on with the defaults.
          request.log.warn({ warnings }, 'conference attribute values replaced by their defaults');
          for (const warning of warnings) metrics.attributeWarning(warning.attribute);
        }
        const identity = deliveryIdentity(route.path, request.headers[IDEMPOTENCY_HEADER], parsed);
        const result = await commands.deliver({
          accountSid,
          ...identity,
          command: parsed.command,
          room: parsed.room,
        });
        metrics.webhookOutcome(outcomeLabel(result));
        return answer(reply, route.reply(result.outcome, parsed.extra, urls));
      },
    });
    app.route({ method: otherMethods, url: route.path, onRequest: refuse, handler: refuse });
  }
};
