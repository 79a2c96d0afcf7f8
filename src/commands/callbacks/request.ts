// One callback as an HTTP request, made as Twilio makes its own: the parameters in a form body (POST) or
// in the query (GET), signed with the account's auth token over the URL as requested (and, for POST, the
// form parameters in name order), so that an app validating Twilio's signature accepts it unchanged.

import { computeSignature } from '../../signature.js';

export interface CallbackRequest {
  url: string;
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string };
}

export function callbackRequest(callback: {
  url: string;
  method: 'GET' | 'POST';
  params: { [name: string]: string };
  idempotencyToken: string;
  authToken: string;
}): CallbackRequest {
  // Signed as sent: the URL as WHATWG serialises it, which is also how a validator rebuilds it.
  const url = new URL(callback.url);
  const headers: Record<string, string> = {
    'i-twilio-idempotency-token': callback.idempotencyToken,
    'user-agent': 'TwilioProxy/1.1',
    accept: '*/*',
  };
  // `https://user:password@host/…` asks for HTTP Basic auth, as Twilio allows; the credentials travel in
  // the header, and the URL signed is the one on the wire, without them.
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  // A fragment never leaves the client, so the app's validator, which rebuilds the URL it was asked for,
  // cannot see one: it is neither sent nor signed.
  url.hash = '';
  if (callback.method === 'GET') {
    for (const [name, value] of Object.entries(callback.params)) url.searchParams.append(name, value);
    headers['x-twilio-signature'] = computeSignature(callback.authToken, url.href, {});
    return { url: url.href, init: { method: 'GET', headers } };
  }
  headers['x-twilio-signature'] = computeSignature(callback.authToken, url.href, callback.params);
  headers['content-type'] = 'application/x-www-form-urlencoded';
  return {
    url: url.href,
    init: { method: 'POST', headers, body: new URLSearchParams(callback.params).toString() },
  };
}
