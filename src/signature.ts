// Twilio's request signature: HMAC-SHA1, keyed with the account's auth token, over the URL that was
// requested followed by every form parameter's name and value in name order, base64-encoded. The sender
// and Conclave may spell the same URL differently (a default port written or not, a query escaped one way
// or another), so every spelling that Twilio's own validator accepts is tried; but only a spelling whose
// query holds exactly the parameters of the received one, so that no spelling can vouch for a URL shorter
// than the one the routes then read.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse, stringify } from 'node:querystring';
import { parseQuery } from './query-string.js';

/** Form parameters as a form parser yields them: a repeated name gives an array. */
export type FormParams = Record<string, string | string[] | undefined>;

export function computeSignature(authToken: string, url: string, params: FormParams): string {
  let signed = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) signed += name + v;
  }
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

export function isValidSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: FormParams,
): boolean {
  if (signature === undefined) return false;
  const given = Buffer.from(signature);
  const signs = (candidate: string) => {
    const expected = Buffer.from(computeSignature(authToken, candidate, params));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  // A sender signs the URL as it sent it, nearly always, and that is always one of its spellings: it is
  // tried first, and the others are worked out (15 µs, three times the HMAC) only when it does not sign.
  // Stopping early tells a sender only that its own signature was good; a signature that signs nothing
  // costs every spelling, whoever it claims to come from (authenticate.ts gives an unknown account a token
  // no one holds).
  return signs(url) || urlSpellings(url).some((spelling) => spelling !== url && signs(spelling));
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The spellings of `url` that a sender may have signed: as received, then as a WHATWG URL
 * re-serialises it, then with its query re-encoded by Node's legacy querystring; each without a port and
 * with the scheme's default port. */
export function urlSpellings(url: string): string[] {
  const received = [withoutPort(url), withDefaultPort(url)];
  let normalised: string;
  try {
    normalised = new URL(url).href;
  } catch {
    return unique(received);
  }
  const normalisedForms = [withoutPort(normalised), withDefaultPort(normalised)];
  const spellings = [...received, ...normalisedForms, ...normalisedForms.map(withLegacyQuery)];
  const parameters = queryParameters(url);
  return unique(spellings.filter((spelling) => queryParameters(spelling) === parameters));
}

/** The query's name/value pairs, decoded as the routes decode them, in a fixed order. */
function queryParameters(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const pairs = Object.entries(parseQuery(url.slice(start + 1))).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => JSON.stringify([name, v])),
  );
  return JSON.stringify(pairs.sort());
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

// Splits by hand rather than through URL, which would re-escape the path and query and so change the
// very characters that were signed.
const AUTHORITY = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)/i;

interface Parts {
  scheme: string;
  userInfo: string;
  host: string;
  port: string | null;
  rest: string;
}

function split(url: string): Parts | null {
  const match = AUTHORITY.exec(url);
  if (!match) return null;
  const [prefix, scheme = '', authority = ''] = match;
  const at = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(at + 1);
  // In an IPv6 literal the colons inside the brackets do not start a port.
  const colon = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, at + 1),
    host: colon === -1 ? hostAndPort : hostAndPort.slice(0, colon),
    port: colon === -1 ? null : hostAndPort.slice(colon + 1),
    rest: url.slice(prefix.length),
  };
}

function join(parts: Parts, port: string | null): string {
  return `${parts.scheme}//${parts.userInfo}${parts.host}${port === null ? '' : `:${port}`}${parts.rest}`;
}

function withoutPort(url: string): string {
  const parts = split(url);
  return parts ? join(parts, null) : url;
}

function withDefaultPort(url: string): string {
  const parts = split(url);
  if (!parts || parts.port !== null) return url;
  const port = DEFAULT_PORTS[parts.scheme.toLowerCase()];
  return port === undefined ? url : join(parts, port);
}

function withLegacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1 || start === url.length - 1) return url;
  // maxKeys 0: the default stops at 1,000 pairs, and padding a query with empty pairs would then hide
  // the parameters after them from the signature.
  return `${url.slice(0, start)}?${stringify(parse(url.slice(start + 1), '&', '=', { maxKeys: 0 }))}`;
}
