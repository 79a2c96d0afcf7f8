import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../src/reads/verify.js';
import { runSimulation } from '../../src/simulate/command.js';
import type { SimulationOptions } from '../../src/simulate/options.js';
import { type Progress, simulate } from '../../src/simulate/simulate.js';
import { PUBLIC_URL, useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';

const run = promisify(execFile);

describe.each(databaseKinds)('conclave simulate against a listening server on $name', (kind) => {
  const t = useApp(kind);
  let options: SimulationOptions;

  beforeAll(async () => {
    // The server checks signatures against PUBLIC_URL while requests reach it on a local port, as behind
    // a tunnel.
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    options = {
      url: address,
      publicUrl: PUBLIC_URL,
      accountSid: t.account.sid,
      authToken: t.account.authToken,
      rooms: 3,
      callers: 3,
      duration: 0,
    };
  });

  const rowsOf = (table: 'conferences' | 'participants') =>
    t.database.db.selectFrom(table).selectAll().where('account_sid', '=', t.account.sid).execute();

  it('plays call flows whose conferences verify confirms', async () => {
    const seen: Progress[] = [];
    const result = await simulate(options, (progress) => seen.push(progress));
    expect(result.tally.failures).toEqual(new Map());
    expect(result.tally.inconsistent).toBe(0);
    expect(result.counts.joined).toBeGreaterThan(0);
    expect(seen.at(-1)?.roomsDone).toBe(3);

    expect(await verify(t.database)).toMatchObject({ differences: [] });
    const conferences = await rowsOf('conferences');
    expect(conferences).toHaveLength(result.counts.instances);
    // Every flow ends with every caller gone, so every conference it opened is over.
    expect(conferences.map((c) => c.status)).toEqual(conferences.map(() => 'completed'));
    const participants = await rowsOf('participants');
    expect(participants).toHaveLength(result.counts.joined);
    expect(participants.filter((p) => p.status === 'connected')).toEqual([]);
  });

  it('prints a summary and exits 1 when the server refuses the requests', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const status = await runSimulation({ ...options, authToken: '0'.repeat(32), rooms: 1 }, stdout, stderr);
    expect(status).toBe(1);
    const summary = stdout.read()?.toString() ?? '';
    expect(summary).toMatch(
      /^Simulated 1 rooms against http:\/\/127\.0\.0\.1:\d+ as https:\/\/conclave\.test/,
    );
    expect(summary).toMatch(/403 ×\d+: Forbidden/);
    expect(summary).not.toContain('0'.repeat(32));
    expect(stderr.read()?.toString()).toMatch(/^simulate: [\d.]+ s, rooms \d\/1, calls \d+/);
  });

  it('runs as `conclave simulate`, taking the token from the environment', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'simulate',
        '--url',
        options.url,
        '--public-url',
        PUBLIC_URL,
        '--account',
        t.account.sid,
        '--rooms',
        '1',
        '--callers',
        '2',
        '--duration',
        '0',
      ],
      { env: { ...process.env, TWILIO_AUTH_TOKEN: t.account.authToken } },
    );
    expect(stdout).toContain('Simulated 1 rooms');
    expect(stdout).toContain('failures:    none');
    expect(await verify(t.database)).toMatchObject({ differences: [] });
  });
});
