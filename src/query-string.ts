// How a URL's query becomes parameters, for the routes (Fastify's query parser) and for the signature check
// alike. The check must compare the very parameters the routes then read: were the two to decode a
// malformed escape differently (one keeping `%C0%80` as text, the other making it U+FFFD), a signature over
// one spelling would vouch for a URL whose parameters the routes read otherwise.

import { parse } from 'fast-querystring';

/** `query` (without its `?`) as name/value pairs; a repeated name gives an array, as forms do. */
export const parseQuery = (query: string): Record<string, string | string[]> => parse(query);
