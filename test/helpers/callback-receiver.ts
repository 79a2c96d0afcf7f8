// An app's callback endpoint on 127.0.0.1: every request is checked with the official `twilio` package's
// validateRequest, as an app would, and kept with what it carried. It can answer 500 or drop connections
// for a while, answer slowly, and it counts requests for one callback that overlap in time (two deliverers
// sending the same callback at once), which must never happen.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export interface ReceivedCallback {
  method: string;
  path: string;
  params: Record<string, string>;
  idempotencyToken: string;
  authorization: string | undefined;
  /** validateRequest's verdict with the account's auth token. */
  valid: boolean;
  /** What the receiver answered (0: it dropped the connection). */
  answered: number;
}

export type Behaviour = (request: ReceivedCallback) => 'ok' | 'error' | 'drop';

export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  /** Only the requests answered 2xx, i.e. the callbacks delivered. */
  delivered(): ReceivedCallback[];
  /** Requests for a callback that arrived while another for the same callback was still open. */
  overlapping: number;
  behave(behaviour: Behaviour): void;
  /** Milliseconds every answer waits. */
  delayMs: number;
  close(): Promise<void>;
}

function bodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

export async function startReceiver(authToken: (accountSid: string) => string): Promise<CallbackReceiver> {
  const open = new Map<string, number>();
  let behaviour: Behaviour = () => 'ok';
  const receiver: CallbackReceiver = {
    url: '',
    received: [],
    delivered: () => receiver.received.filter((r) => r.answered >= 200 && r.answered < 300),
    overlapping: 0,
    behave: (next) => {
      behaviour = next;
    },
    delayMs: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer(async (request, response) => {
    const token = String(request.headers['i-twilio-idempotency-token'] ?? '');
    open.set(token, (open.get(token) ?? 0) + 1);
    if ((open.get(token) ?? 0) > 1) receiver.overlapping++;
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      open.set(token, (open.get(token) ?? 1) - 1);
    };
    response.on('close', done);
    const url = new URL(request.url ?? '/', receiver.url);
    const body = await bodyOf(request);
    const form = Object.fromEntries(new URLSearchParams(body));
    const params = request.method === 'GET' ? Object.fromEntries(url.searchParams) : form;
    const signature = String(request.headers['x-twilio-signature'] ?? '');
    const accountSid = params.AccountSid ?? '';
    const valid = twilio.validateRequest(
      authToken(accountSid),
      signature,
      url.href,
      request.method === 'GET' ? {} : form,
    );
    const record: ReceivedCallback = {
      method: request.method ?? '',
      path: url.pathname,
      params,
      idempotencyToken: token,
      authorization: request.headers.authorization,
      valid,
      answered: 0,
    };
    receiver.received.push(record);
    const verdict = behaviour(record);
    if (receiver.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, receiver.delayMs));
    if (verdict === 'drop') {
      request.socket.destroy();
      return;
    }
    record.answered = verdict === 'ok' ? 204 : 500;
    response.statusCode = record.answered;
    response.end(verdict === 'ok' ? undefined : 'receiver is failing on purpose');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Polls `condition` until it holds or `withinMs` passes; then fails with `what`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  withinMs = 20_000,
) {
  const until = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
