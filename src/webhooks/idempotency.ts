// Which deliveries count as the same delivery. Twilio marks every webhook with a token that its retries
// repeat; without one, a key is built from what tells one callback from another. Without the token a
// request that repeats another's key word for word is taken for a retry of it, which is all the payload
// can say.

import { badRequest } from './errors.js';

export const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';

const MAX_TOKEN_LENGTH = 256;

export function deliveryKey(
  route: string,
  token: string | string[] | undefined,
  fields: readonly (string | number | null | undefined)[],
): string {
  if (typeof token === 'string' && token !== '') {
    if (token.length > MAX_TOKEN_LENGTH) {
      throw badRequest(`I-Twilio-Idempotency-Token is longer than ${MAX_TOKEN_LENGTH} characters`);
    }
    return `${route} token ${token}`;
  }
  return `${route} payload ${JSON.stringify(fields.map((field) => field ?? null))}`;
}
