// Twilio's error bodies: `code`, `message`, `more_info` and `status`, as JSON or inside <RestException>.
// Every failure of the REST side ends here, so that no client ever sees Fastify's own error shape, a stack
// trace or a 500 for input it got wrong.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../reads/index.js';
import { UNAVAILABLE_MESSAGE, unavailable } from '../refusals.js';
import { formatOf, pathOf } from './format.js';
import { xmlResource } from './representation-xml.js';

class TwilioError extends Error {
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

function internal(): TwilioError {
  return new TwilioError(500, 20500, 'Internal server error');
}

function toTwilioError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): TwilioError {
  if (error instanceof TwilioError) return error;
  if (isDatabaseUnavailable(error)) {
    unavailable(request, reply, error);
    return new TwilioError(503, 20503, UNAVAILABLE_MESSAGE);
  }
  const status = error.statusCode ?? 500;
  if (status < 500) return new TwilioError(status, 20001, error.message);
  request.log.error({ err: error }, 'request failed');
  return internal();
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: TwilioError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Basic realm="Twilio API"');
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  reply.code(error.status);
  if (formatOf(request.url) === 'json')
    return reply.type('application/json; charset=utf-8').send(error.body());
  return reply.type('application/xml; charset=utf-8').send(xmlResource('RestException', error.body()));
}

export function twilioErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return sendError(request, reply, toTwilioError(error, request, reply));
}

export function twilioNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendError(request, reply, notFound(pathOf(request.url)));
}
