// Finding 6 of the hardening review: /metrics open to anyone and costly per scrape, and X-Request-Id taken
// whole into every log line. (The development token printed once is in test/cli/serve.test.ts.)

import { describe, expect, it } from 'vitest';
import { LIVE_COUNTS_TTL_MS } from '../../src/metrics.js';
import { useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, webhookClient } from '../webhooks/client.js';
import { useLoggedApp } from './logged-app.js';

const METRICS_TOKEN = 'metrics-scraper-secret-0123456789';

function liveParticipants(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('conclave_live_participants '));
  return Number(line?.split(' ')[1]);
}

describe.each(databaseKinds)('/metrics with METRICS_TOKEN on $name', (kind) => {
  const t = useApp(kind, { metricsToken: METRICS_TOKEN });

  it('answers 401 without the bearer token, and the metrics with it', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      `Basic ${METRICS_TOKEN}`,
      'Bearer ',
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body).not.toContain('conclave_');
    }
    const response = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('conclave_live_participants');
  });
});

describe.each(databaseKinds)('/metrics scraped often on $name', (kind) => {
  let now = Date.now();
  const t = useLoggedApp(kind, {}, { clock: () => now });
  const scrape = async () => liveParticipants((await t.app.inject({ method: 'GET', url: '/metrics' })).body);

  it('counts live participants at most once per few seconds, however often it is scraped', async () => {
    expect(await scrape()).toBe(0);
    expect((await webhookClient(t).voice(newCallSid(), 'scraped')).statusCode).toBe(200);
    // Within the cache's life every scrape gets the reading already made, not a fresh count.
    expect(await scrape()).toBe(0);
    now += LIVE_COUNTS_TTL_MS;
    expect(await scrape()).toBe(1);
  });

  it('takes a short, plain X-Request-Id into the logs and replaces any other', async () => {
    const ids = (url: string) =>
      t.lines.filter((line) => (line.req as { url?: string })?.url === url).map((l) => l.reqId);
    const send = (url: string, id: string) =>
      t.app.inject({ method: 'GET', url, headers: { 'x-request-id': id } });
    await send('/healthz?plain', 'edge-42.a:b');
    await send('/healthz?long', 'x'.repeat(5000));
    await send('/healthz?odd', 'id with spaces"}');
    expect(ids('/healthz?plain')).toEqual(['edge-42.a:b']);
    for (const url of ['/healthz?long', '/healthz?odd']) {
      const [id] = ids(url);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
