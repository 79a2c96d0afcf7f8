// Pino options for the server's JSON logs: one line per request with its id (Fastify adds reqId to every
// line logged through request.log), and secrets censored wherever a header or account object is logged.

import type { FastifyServerOptions } from 'fastify';
import type { LogLevel } from './config.js';

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

export function loggerOptions(level: LogLevel): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
}
