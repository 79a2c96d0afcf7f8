// Which representation a request asks for. Twilio's paths end in `.json` for JSON; no suffix or `.xml`
// means XML. The suffix sits on the last path segment, which for fetches is also the resource's key.

export type Format = 'json' | 'xml';

/** The request's path without its query, as the client sent it. */
export function pathOf(url: string): string {
  return url.split('?', 1)[0] ?? '';
}

/** The format of a request, from its path alone, so that even errors of unknown routes get it right. */
export function formatOf(url: string): Format {
  return pathOf(url).endsWith('.json') ? 'json' : 'xml';
}

/** The last path segment without its representation suffix: a Sid or a participant label. */
export function withoutSuffix(segment: string): string {
  for (const suffix of ['.json', '.xml']) {
    if (segment.endsWith(suffix)) return segment.slice(0, -suffix.length);
  }
  return segment;
}

/** What the URIs of a representation end with, so that links lead back to the same representation. */
export function suffixOf(format: Format): string {
  return format === 'json' ? '.json' : '';
}
