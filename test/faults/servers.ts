// `conclave serve` as separate processes on a database the scenario owns, and `conclave verify` at the end
// of every scenario: the command an operator would run.

import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, expect } from 'vitest';
import { type Account, newAccount, saveAccount } from '../../src/store/accounts.js';
import type { Database } from '../../src/store/database.js';
import { type RunningServer, runCli, startCli } from '../helpers/cli.js';
import { postgresKind, type TestDatabase } from '../helpers/databases.js';
import { type EdgeAccount, faultSeed, seeded } from './edge.js';
import { Ledger } from './ledger.js';

/**
 * Makes fresh PostgreSQL databases for the enclosing describe block and drops them after it. Called before
 * the block registers its other clean-ups, whose servers must stop before the databases go (vitest runs
 * afterAll hooks last registered first).
 */
export function useDatabases(): () => Promise<TestDatabase> {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });
  return async () => {
    const database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    databases.push(database);
    return database;
  };
}

/** What every server of a scenario shares: the same public URL, whatever port each listens on. */
export const PUBLIC_URL = 'http://conclave.faults.test';

/** A port nothing listens on now, for a server that must come back on the same address after a crash. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Tenant {
  account: Account;
  edge: EdgeAccount;
}

export async function tenant(database: Database): Promise<Tenant> {
  const account = newAccount('Faults');
  await saveAccount(database.db, account);
  return {
    account,
    edge: { accountSid: account.sid, authToken: account.authToken, publicUrl: PUBLIC_URL },
  };
}

export function serve(url: string, env: Record<string, string> = {}): Promise<RunningServer> {
  return startCli({ DATABASE_URL: url, PUBLIC_URL, LOG_LEVEL: 'error', ...env }, 30_000);
}

/** Ends a server as a power cut would: no signal handler, no drain, no pool close. */
export async function killHard(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGKILL');
  await exited;
}

/** Runs `conclave verify` on the database and expects it to find the read models equal to the log. */
export async function expectVerified(url: string): Promise<string> {
  const result = await runCli(['verify'], { DATABASE_URL: url });
  expect(result.stdout + result.stderr).toMatch(/^Verified: the read models match the \d+ events/);
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

/**
 * `count` `conclave serve` processes on a fresh database with one tenant, killed when the file's tests are
 * done; each run starts from a seed it reports, so that a failure can be replayed.
 */
export function useReplicas(count: number) {
  const fresh = useDatabases();
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map(killHard));
  });
  return async () => {
    const database = await fresh();
    const url = database.url as string;
    const tenancy = await tenant(database);
    servers.push(...(await Promise.all(Array.from({ length: count }, () => serve(url)))));
    const seed = faultSeed('servers');
    return { database, url, ...tenancy, servers, seed, random: seeded(seed), ledger: new Ledger() };
  };
}
