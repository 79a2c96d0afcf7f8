// Twilio's paging: PageSize (1–1000, default 50), Page (the client's own count) and PageToken, which here is
// a keyset position: `PA` + the key of the last row seen goes on to older rows, `PB` + the key of the first
// row seen goes back to newer ones. The envelope's URIs are relative, carry the request's filters, and
// next_page_uri is null on the last page, which is how the SDKs know to stop.

import type { Cursor, Page } from '../reads/index.js';
import { invalidParameter } from './errors.js';
import { parseInteger, type QueryParams } from './parameters.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

export interface Paging {
  size: number;
  page: number;
  /** The token as sent, echoed in `uri`. */
  token: string | null;
  cursor: Cursor<string> | null;
}

/**
 * Reads PageSize, Page and PageToken. `parseKey` checks the key inside a token and returns it as the
 * store wants it; it throws for a key of the wrong kind.
 */
export function parsePaging(query: QueryParams, parseKey: (name: string, key: string) => string): Paging {
  const sizeParam = query.get('PageSize');
  const pageParam = query.get('Page');
  const token = query.get('PageToken') ?? null;
  const size =
    sizeParam === undefined ? DEFAULT_PAGE_SIZE : parseInteger('PageSize', sizeParam, 1, MAX_PAGE_SIZE);
  const page =
    pageParam === undefined
      ? 0
      : parseInteger('Page', pageParam, 0, Math.floor(Number.MAX_SAFE_INTEGER / size));
  if (token === null) {
    // Without a position, a later page could only be found by skipping rows, which Conclave never does.
    if (page > 0)
      throw invalidParameter('Page', 'a page after the first needs the PageToken of next_page_uri');
    return { size, page, token, cursor: null };
  }
  const match = /^P([AB])(.+)$/s.exec(token);
  if (!match?.[1] || !match[2]) throw invalidParameter('PageToken', 'expected the token of a page URI');
  return {
    size,
    page,
    token,
    cursor: { direction: match[1] === 'A' ? 'after' : 'before', key: parseKey('PageToken', match[2]) },
  };
}

export interface Envelope {
  first_page_uri: string;
  next_page_uri: string | null;
  previous_page_uri: string | null;
  uri: string;
  page: number;
  page_size: number;
  start: number;
  end: number;
}

export type EchoedParams = [name: string, value: string][];

function uri(path: string, params: EchoedParams): string {
  return `${path}?${params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&')}`;
}

/**
 * The envelope of a page of `items`. `path` is the list's path, `filters` the filters the request used,
 * in the order they are to appear in URIs, and `keyOf` gives the token key of an item.
 */
export function envelope<T>(
  path: string,
  filters: EchoedParams,
  paging: Paging,
  result: Page<T>,
  keyOf: (item: T) => string,
): Envelope {
  const { size, page, token, cursor } = paging;
  const at = (n: number, pageToken?: string): string =>
    uri(path, [
      ...filters,
      ['PageSize', String(size)],
      ['Page', String(n)],
      ...(pageToken === undefined ? [] : [['PageToken', pageToken] as [string, string]]),
    ]);
  const first = result.items[0];
  const last = result.items[result.items.length - 1];
  const backward = cursor?.direction === 'before';
  // Going forward, older rows remain when the store said so; going back, the page we came from does.
  const hasNext = backward || result.more;
  // Newer rows remain when we came from a newer page, or, going back, when the store said so.
  const hasPrevious = backward ? result.more : cursor !== null;
  const start = page * size;
  return {
    first_page_uri: at(0),
    next_page_uri: last !== undefined && hasNext ? at(page + 1, `PA${keyOf(last)}`) : null,
    previous_page_uri:
      first !== undefined && hasPrevious ? at(Math.max(0, page - 1), `PB${keyOf(first)}`) : null,
    uri: at(page, token ?? undefined),
    page,
    page_size: size,
    start,
    end: result.items.length > 0 ? start + result.items.length - 1 : start,
  };
}

/** For a well-formed token whose key is not in the list: it was not made by this list. */
export function unknownPageToken() {
  return invalidParameter('PageToken', 'it names nothing in this list; use the page URIs as given');
}
