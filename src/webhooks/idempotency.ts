// Which deliveries count as the same delivery. Twilio marks every webhook with a token that its retries
// repeat; without one, a key is built from what tells one callback from another: the conference callbacks'
// ConferenceSid and SequenceNumber, the call's terminal status, the room and visit a <Dial action> URL
// names, and for a voice request the call, the room and the number of the call's visit, which only the
// store knows (commands/visits.ts). A request that repeats another's key is taken for a retry of it.

import { createHash } from 'node:crypto';
import type { Delivery } from '../commands/index.js';
import { badRequest } from './errors.js';
import type { Parsed } from './route.js';

export const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';

const MAX_TOKEN_LENGTH = 256;

// An inbox key is indexed, and an index entry holds at most about 2.7 kB. A key built from longer values
// (a platform is free to send a long DialCallStatus, say) is kept as its digest instead, which tells
// requests apart as well; keys of this length or less are kept as they are.
const MAX_KEY_BYTES = 1024;

function deliveryKey(
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
  const key = `${route} payload ${JSON.stringify(fields.map((field) => field ?? null))}`;
  if (Buffer.byteLength(key) <= MAX_KEY_BYTES) return key;
  return `${route} payload sha256 ${createHash('sha256').update(key).digest('hex')}`;
}

/** The key of a parsed request, and how it stands to its call's visits. */
export function deliveryIdentity(
  route: string,
  token: string | string[] | undefined,
  parsed: Parsed,
): Pick<Delivery, 'key' | 'visit'> {
  const key = deliveryKey(route, token, parsed.keyFields);
  if (parsed.visit === undefined) return { key };
  if (parsed.visit !== 'opens') return { key, visit: { type: 'ends', visit: parsed.visit } };
  return { key, visit: { type: 'opens', foldIntoKey: !key.startsWith(`${route} token `) } };
}
