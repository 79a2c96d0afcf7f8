// Sends a callback's request over node:http(s) and keeps the connection for the next one to the same app:
// at thousands of callbacks a second, fetch's streams and clones cost more CPU than the sending itself, and a
// connection (and TLS session) per callback would cost more still.

import http from 'node:http';
import https from 'node:https';
import type { CallbackRequest } from './request.js';

// An idle connection is closed after 4 s, before the app's server would close it (Node's closes after 5 s):
// a request sent on a connection the other end is closing fails, and would cost the callback a retry.
const idle = { keepAlive: true, timeout: 4000 };
const agents: Record<string, http.Agent> = {
  'http:': new http.Agent(idle),
  'https:': new https.Agent(idle),
};

/**
 * Sends the request and resolves with the answer's status. No redirect is followed; the body is drained
 * unread so that the connection can serve again. Rejects on a refused or broken connection, with a
 * `TimeoutError` when the answer has not come whole within `timeoutMs`, and when `signal` aborts.
 */
export function transmit(request: CallbackRequest, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const { method, headers, body } = request.init;
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: agents[url.protocol],
        signal,
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        response.resume();
      },
    );
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      error.name = 'TimeoutError';
      outgoing.destroy(error);
    }, timeoutMs);
    outgoing.on('close', () => clearTimeout(timer));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
