// Finding 2 of the hardening review: a client that announces a body and then sends it a byte at a time must
// not hold a socket for ever. With REQUEST_TIMEOUT at its lowest (1 s), the server answers 408 and closes
// the connection within that bound (plus Node's check interval), on webhooks and on the login form alike,
// without any authentication. The test drives a real listening server through a raw socket.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { build, type TestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';

const TIMEOUT_S = 1;
/** The bound the test allows: the timeout, Node's check interval and scheduling on a busy machine. */
const CLOSED_WITHIN_MS = 4000;

interface Trickle {
  /** Milliseconds from the first byte until the server closed the connection. */
  closedAfter: number;
  answer: string;
}

/** Announces 60,000 bytes of body and sends one every 200 ms until the server closes the connection. */
async function trickle(port: number, path: string): Promise<Trickle> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  socket.on('error', () => {});
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\nA`,
  );
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write('A');
  }, 200);
  const giveUp = setTimeout(() => socket.destroy(new Error('still open')), CLOSED_WITHIN_MS * 3);
  try {
    await once(socket, 'close');
  } finally {
    clearInterval(drip);
    clearTimeout(giveUp);
  }
  return { closedAfter: Date.now() - started, answer };
}

describe.each(databaseKinds)('a request sent slowly on $name', (kind) => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    const limits = { ...loadConfig({}).limits, requestTimeout: TIMEOUT_S };
    t = await build(kind, { limits });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t?.app.close();
    await t?.database.drop();
  });

  it.each(['/webhooks/voice?FriendlyName=slow', '/login'])(
    'is answered 408 and closed within the bound on %s',
    async (path) => {
      const { closedAfter, answer } = await trickle(port, path);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfter).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 50);
      expect(closedAfter).toBeLessThan(CLOSED_WITHIN_MS);
    },
  );

  it('still serves a request sent at an honest pace', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
  });
});
