import { describe, expect, it } from 'vitest';
import { useApp } from './helpers/app.js';
import { databaseKinds } from './helpers/databases.js';
import { newCallSid, webhookClient } from './webhooks/client.js';

/** The value of one sample line of the Prometheus text format, or undefined when it is absent. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe.each(databaseKinds)('/metrics on $name', (kind) => {
  const t = useApp(kind);

  it('counts requests by route pattern and status, webhook outcomes, and live conferences', async () => {
    const client = webhookClient(t);
    const [first, second, third] = [newCallSid(), newCallSid(), newCallSid()];
    await client.voice(first, 'metrics room', { maxParticipants: '2' });
    await client.voice(second, 'metrics room');
    await client.voice(third, 'metrics room');
    await client.voice(third, 'metrics room', {}, { token: 'same' });
    await client.voice(third, 'metrics room', {}, { token: 'same' });
    const account = t.account.sid;
    await t.app.inject({
      method: 'GET',
      url: `/2010-04-01/Accounts/${account}/Conferences/CF${'0'.repeat(32)}.json`,
    });

    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(
      sample(text, 'conclave_http_requests_total{method="POST",route="/webhooks/voice",status="200"}'),
    ).toBe(5);
    // A Sid in the path must not become a label of its own.
    expect(text).not.toContain(`CF${'0'.repeat(32)}`);
    const unauthorised = text
      .split('\n')
      .filter((l) => l.startsWith('conclave_http_requests_total{method="GET"'));
    expect(unauthorised).toEqual([
      expect.stringMatching(/route="\/2010-04-01\/Accounts\/:\w+\/Conferences\/:\w+",status="401"\} 1$/),
    ]);
    expect(sample(text, 'conclave_webhook_outcomes_total{outcome="joined"}')).toBe(2);
    expect(sample(text, 'conclave_webhook_outcomes_total{outcome="rejected-full"}')).toBe(2);
    expect(sample(text, 'conclave_webhook_outcomes_total{outcome="duplicate"}')).toBe(1);
    // The duplicate is a transaction too, and takes its call's and room's locks before it reads the inbox,
    // as every delivery does (one lock order for all; docs/write-path.md): five of each.
    expect(sample(text, 'conclave_append_transaction_seconds_count')).toBe(5);
    expect(sample(text, 'conclave_room_lock_wait_seconds_count')).toBe(5);
    expect(sample(text, 'conclave_live_conferences')).toBe(1);
    expect(sample(text, 'conclave_live_participants')).toBe(2);
    expect(sample(text, 'conclave_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
  });
});
