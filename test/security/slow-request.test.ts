// Finding 2 of the hardening review: a client that announces a body and then sends it a byte at a time must
// not hold a socket for ever. With REQUEST_TIMEOUT at its lowest (1 s), the server answers 408 and closes
// the connection within that bound (plus Node's check interval), on webhooks and on the login form alike,
// without any authentication. The test drives a real listening server through a raw socket.

import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { build, type TestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { trickle } from '../helpers/trickle.js';

const TIMEOUT_S = 1;
/** The bound the test allows: the timeout, Node's check interval and scheduling on a busy machine. */
const CLOSED_WITHIN_MS = 4000;

/** Announces 60,000 bytes of body and sends one every 200 ms until the server closes the connection. */
function slowly(port: number, path: string) {
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n`;
  return trickle(port, head, 'A'.repeat(60_000), { everyMs: 200, giveUpMs: CLOSED_WITHIN_MS * 3 });
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
      const { ms: closedAfter, answer } = await slowly(port, path);
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
