// Builds the application on a fresh test database with one account, for tests that drive it through
// inject() (fastify/demo's build() helper).

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type AppOptions, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Account, newAccount, saveAccount } from '../../src/store/accounts.js';
import type { DatabaseKind, TestDatabase } from './databases.js';

export const PUBLIC_URL = 'https://conclave.test';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  account: Account;
  config: Config;
  /** Another account on the same database, for tenancy tests. */
  otherAccount: Account;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  // Suites try many wrong credentials from one address on purpose; test/failure-limit.test.ts sets its own.
  return { ...loadConfig({ PUBLIC_URL, FAILED_AUTH_LIMIT: '100000' }), ...overrides };
}

export async function build(
  kind: DatabaseKind,
  overrides: Partial<Config> = {},
  options: Pick<AppOptions, 'clock'> = {},
): Promise<TestApp> {
  const database = await kind.create();
  const account = newAccount('Test account');
  const otherAccount = newAccount('Other account');
  await saveAccount(database.db, account);
  await saveAccount(database.db, otherAccount);
  const config = testConfig(overrides);
  const app = await buildApp({ config, database, ...options });
  await app.ready();
  return { app, database, account, otherAccount, config };
}

/** Builds before the tests of the enclosing describe block and tears down after them. */
export function useApp(kind: DatabaseKind, overrides: Partial<Config> = {}): TestApp {
  const context = {} as TestApp;
  beforeAll(async () => {
    Object.assign(context, await build(kind, overrides));
  });
  afterAll(async () => {
    await context.app?.close();
    await context.database?.drop();
  });
  return context;
}
