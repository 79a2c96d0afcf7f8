// The callback delivery lag under the ingest load: Conclave (built, in dist/) serves the ingest scenario's
// webhooks while its account's events URL points at a sink on 127.0.0.1 that answers 204 at once. The
// lag (conclave_callback_lag_seconds: the age of the oldest callback not yet delivered) is sampled from
// /metrics during the load, and after it the time until nothing is pending: a lag that stays bounded and
// drains quickly means no growing backlog.
//
//   npx tsx bench/callbacks.ts [--seconds S] [--connections N] [--database URL]
//
// `measureCallbackLag` is what `bench/run.ts` can call within its own run (it needs a running server whose
// account has an events URL; `startSink` and `watchLag` are the parts).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { newAccount } from '../src/store/accounts.js';
import { measure } from './load.js';
import { parseOptions, wholeNumber } from './options.js';
import { createScratch } from './postgres.js';
import { freePort, startProcess, stopAll } from './processes.js';

export interface Sink {
  url: string;
  received(): number;
  close(): Promise<void>;
}

/** An events URL that takes every callback at once and keeps only a count. */
export async function startSink(): Promise<Sink> {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.statusCode = 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function gauge(serverUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

/** Samples the lag every 250 ms until stopped; resolves with the samples. */
export function watchLag(serverUrl: string): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await gauge(serverUrl, 'conclave_callback_lag_seconds'));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

export interface LagReport {
  /** Seconds: the highest and the 99th-percentile lag seen during the load. */
  maxLag: number;
  p99Lag: number;
  /** Seconds from the end of the load until no callback was pending (null: not within the bound). */
  drainSeconds: number | null;
  callbacksPerSecond: number;
  webhooksPerSecond: number;
}

/** Runs the ingest load against `target` for `seconds` while watching the lag, then waits for the drain. */
export async function measureCallbackLag(
  target: { url: string; accountSid: string; authToken: string },
  sink: Sink,
  seconds: number,
  connections: number,
): Promise<LagReport> {
  const watcher = watchLag(target.url);
  const before = sink.received();
  const loaded = await measure({
    flow: { kind: 'conference rounds', target },
    connections,
    seconds,
    warmUpSeconds: 0,
    serverPid: null,
    backendPids: async () => [],
  });
  const samples = (await watcher.stop()).filter((s) => Number.isFinite(s)).sort((a, b) => a - b);
  const ended = performance.now();
  let drainSeconds: number | null = null;
  while (performance.now() - ended < 120_000) {
    if ((await gauge(target.url, 'conclave_callbacks_pending')) === 0) {
      drainSeconds = (performance.now() - ended) / 1000;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const elapsed = loaded.seconds + (drainSeconds ?? 120);
  return {
    maxLag: samples.at(-1) ?? 0,
    p99Lag: samples[Math.floor(samples.length * 0.99)] ?? 0,
    drainSeconds,
    callbacksPerSecond: (sink.received() - before) / elapsed,
    webhooksPerSecond: loaded.requestsPerSecond,
  };
}

async function main() {
  const usage = 'npx tsx bench/callbacks.ts [--seconds S] [--connections N] [--database URL]';
  const { values } = parseOptions(
    {
      options: {
        seconds: { type: 'string', default: '10' },
        connections: { type: 'string', default: '64' },
        database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      },
    },
    usage,
  );
  const seconds = wholeNumber('seconds', values.seconds, 1, usage);
  const connections = wholeNumber('connections', values.connections, 1, usage);
  const account = newAccount('Callback benchmark');
  const database = await createScratch(values.database, 'callbacks');
  const sink = await startSink();
  try {
    const port = await freePort();
    const server = await startProcess(
      'Conclave (callbacks)',
      [join(import.meta.dirname, '..', 'dist', 'src', 'cli.js'), 'serve'],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: database.url,
        TWILIO_ACCOUNT_SID: account.sid,
        TWILIO_AUTH_TOKEN: account.authToken,
      },
      /listening on/,
    );
    await database.client.query('UPDATE accounts SET events_url = $1 WHERE account_sid = $2', [
      sink.url,
      account.sid,
    ]);
    const report = await measureCallbackLag(
      { url: `http://127.0.0.1:${port}`, accountSid: account.sid, authToken: account.authToken },
      sink,
      seconds,
      connections,
    );
    console.log(JSON.stringify(report, null, 2));
    await server.stop();
  } finally {
    await stopAll();
    await sink.close();
    await database.drop();
  }
}

if (process.argv[1] === import.meta.filename) await main();
