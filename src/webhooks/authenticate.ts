// Who sent a webhook: the account it names, proven by the X-Twilio-Signature made with that account's auth
// token over the URL as the edge saw it (PUBLIC_URL and the path and query) and the form parameters.

import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.js';
import { type FormParams, isValidSignature } from '../signature.js';
import { missing, WebhookError } from './errors.js';
import { WebhookParams } from './parameters.js';

// What a signature naming an account that does not exist is checked against: a token no one holds, so that
// no signature matches it and the check does all the work a wrong signature costs.
const NO_ACCOUNT_TOKEN = randomBytes(20).toString('hex');

export interface Authenticated {
  accountSid: string;
  params: WebhookParams;
}

export async function authenticate(
  commands: Pick<Commands, 'account'>,
  publicUrl: string,
  request: FastifyRequest,
): Promise<Authenticated> {
  const params = WebhookParams.of(request.query, request.body);
  const accountSid = params.sid('AccountSid', 'AC') ?? missing('AccountSid');
  const account = await commands.account(accountSid);
  const header = request.headers['x-twilio-signature'];
  // A GET carries its parameters in the signed URL; a form body is signed parameter by parameter.
  const signedParams = request.body && request.method === 'POST' ? (request.body as FormParams) : {};
  // An unknown account costs the same work and gets the same answer as a wrong signature, so neither the
  // time nor the answer tells which accounts exist.
  const valid = isValidSignature(
    account?.authToken ?? NO_ACCOUNT_TOKEN,
    typeof header === 'string' ? header : undefined,
    publicUrl + request.url,
    signedParams,
  );
  if (!account || !valid) {
    throw new WebhookError(403, 'Forbidden: X-Twilio-Signature is missing or does not match the request');
  }
  return { accountSid, params };
}
