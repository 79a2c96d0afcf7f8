// Twilio's error bodies: `code`, `message`, `more_info` and `status`, as JSON or inside <RestException>.
// Every failure of the REST side is answered in this shape (the central error handler in app.ts chooses
// the status), so that no client ever sees Fastify's own error shape, a stack trace or a 500 for input it
// got wrong.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatOf, pathOf } from './format.js';
import { xmlResource } from './representation-xml.js';

export class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** Seconds for the Retry-After header, when trying again later may help. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  body() {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
    };
  }
}

export function notFound(path: string): TwilioError {
  return new TwilioError(404, 20404, `The requested resource ${path} was not found`);
}

export function invalidParameter(name: string, expected: string): TwilioError {
  return new TwilioError(400, 20001, `Invalid value for parameter ${name}: ${expected}`);
}

export function authenticationRequired(): TwilioError {
  return new TwilioError(401, 20003, 'Authenticate');
}

export function methodNotAllowed(method: string): TwilioError {
  return new TwilioError(405, 20004, `Method not allowed: ${method}; this resource is read-only (GET)`);
}

export function tooManyFailures(retryAfter: number): TwilioError {
  return new TwilioError(
    429,
    20429,
    `Too Many Requests: too many failed authentications from this address; try again in ${retryAfter} s`,
    retryAfter,
  );
}

/** Whether `error` is one the REST side raised itself, already in Twilio's terms. */
export function isTwilioError(error: unknown): error is TwilioError {
  return error instanceof TwilioError;
}

/** The answer the central error handler chose, with Twilio's code for its status. */
export function twilioErrorFor(status: number, message: string): TwilioError {
  if (status === 503) return new TwilioError(503, 20503, message);
  if (status >= 500) return new TwilioError(500, 20500, 'Internal server error');
  return new TwilioError(status, 20001, message);
}

export function sendTwilioError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: TwilioError,
): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Basic realm="Twilio API"');
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  reply.code(error.status);
  if (formatOf(request.url) === 'json')
    return reply.type('application/json; charset=utf-8').send(error.body());
  return reply.type('application/xml; charset=utf-8').send(xmlResource('RestException', error.body()));
}

export function twilioNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendTwilioError(request, reply, notFound(pathOf(request.url)));
}
