// What the dashboard tests share: logging in, a listener that collects what the feed sends, and a
// Server-Sent Events client over fetch.

import { once } from 'node:events';
import http from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { FeedListener } from '../../src/dashboard/feed-hub.js';
import type { Account } from '../../src/store/accounts.js';
import type { FeedEvent } from '../../src/store/feed.js';

const WAIT_MS = 15_000;

const ignore = () => {};
export const silentLog = {
  level: 'silent',
  fatal: ignore,
  error: ignore,
  warn: ignore,
  info: ignore,
  debug: ignore,
  trace: ignore,
  silent: ignore,
  child: () => silentLog,
} as unknown as FastifyBaseLogger;

/** Promises that resolve once a condition holds, checked again whenever `changed()` is called. */
function waiter(describe: () => string) {
  const waiting = new Set<() => void>();
  return {
    changed: () => {
      for (const check of waiting) check();
    },
    until<T>(ready: () => T | undefined): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`gave up waiting after ${WAIT_MS} ms; ${describe()}`));
        }, WAIT_MS);
        const check = () => {
          const value = ready();
          if (value === undefined) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(value);
        };
        waiting.add(check);
        check();
      });
    },
  };
}

/** A feed listener that keeps what it is sent; `until(n)` resolves with everything once n have come. */
export function collect() {
  const events: FeedEvent[] = [];
  const wait = waiter(() => `got ${events.map((e) => e.event.type).join(', ') || 'nothing'}`);
  const listener: FeedListener = {
    send(batch) {
      events.push(...batch);
      wait.changed();
    },
    ping: ignore,
    reset: ignore,
  };
  return {
    listener,
    events,
    until: (n: number) => wait.until(() => (events.length >= n ? [...events] : undefined)),
  };
}

/** Logs in through the form and returns the Cookie header the session needs. */
export async function logIn(app: FastifyInstance, account: Account): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ AccountSid: account.sid, AuthToken: account.authToken }).toString(),
  });
  const cookie = String(response.headers['set-cookie'] ?? '').split(';')[0];
  if (response.statusCode !== 303 || !cookie) throw new Error(`login failed: ${response.statusCode}`);
  return cookie;
}

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events response as a browser's EventSource would, keeping every message. It uses a
 * connection of its own (no pool), so that closing it closes the connection and nothing lingers.
 */
export async function openEventStream(url: string, headers: Record<string, string>) {
  const request = http.get(url, { headers, agent: false });
  const response = (await once(request, 'response')) as [http.IncomingMessage];
  const [incoming] = response;
  const messages: SseMessage[] = [];
  let ended = false;
  const wait = waiter(() => `got ${messages.length} messages`);
  let buffer = '';
  incoming.setEncoding('utf8');
  incoming.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of frame.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
      }
      const data = fields.get('data');
      if (data === undefined) continue;
      messages.push({ id: fields.get('id'), event: fields.get('event') ?? 'message', data });
      wait.changed();
    }
  });
  incoming.on('close', () => {
    ended = true;
    wait.changed();
  });
  return {
    status: incoming.statusCode,
    contentType: incoming.headers['content-type'],
    messages,
    /** Resolves with every message once n have come. */
    until: (n: number) => wait.until(() => (messages.length >= n ? [...messages] : undefined)),
    /** Resolves with every message once they satisfy `ready`. */
    waitFor: (ready: (messages: SseMessage[]) => boolean) =>
      wait.until(() => (ready(messages) ? [...messages] : undefined)),
    /** Resolves once the server has ended the stream. */
    ended: () => wait.until(() => (ended ? true : undefined)),
    close: () => request.destroy(),
  };
}

export type EventStream = Awaited<ReturnType<typeof openEventStream>>;

export type Collector = ReturnType<typeof collect>;
