// Pino options for the server's JSON logs: one line per request with its id (Fastify adds reqId to every
// line logged through request.log), and secrets censored wherever a header or account object is logged.

import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import type { LogLevel } from './config.js';
import { redactUrl } from './domain/callbacks.js';

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'headers.authorization',
  'headers["x-twilio-signature"]',
  'authToken',
  '*.authToken',
  '*.auth_token',
  '*.password',
];

/**
 * The request's URL with the credentials of any URL in its query masked: an app may ask for callbacks
 * with Basic auth (`statusCallback=https://user:password@…`), and the password is a secret.
 */
function loggedUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0 || !/@|%40/i.test(url)) return url;
  const params = [...new URLSearchParams(url.slice(at + 1))];
  const redacted = params.map(([name, value]): [string, string] => [name, redactUrl(value)]);
  if (redacted.every(([, value], i) => value === params[i]?.[1])) return url;
  return `${url.slice(0, at)}?${new URLSearchParams(redacted)}`;
}

// Fastify's own request serializer, but for the URL.
function request(req: FastifyRequest) {
  return {
    method: req.method,
    url: loggedUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function loggerOptions(level: LogLevel): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { req: request } };
}

/**
 * Fastify logs a request twice, as it arrives and as it is answered; once, as it is answered, with what was
 * asked beside what came of it, says all of it in half the lines.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
