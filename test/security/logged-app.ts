// An app built as the server builds it, logging at trace level into an array the test can read.

import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { type AppOptions, buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { loggerOptions } from '../../src/logging.js';
import { build, type TestApp } from '../helpers/app.js';
import type { DatabaseKind } from '../helpers/databases.js';

export function useLoggedApp(
  kind: DatabaseKind,
  overrides: Partial<Config> = {},
  options: Pick<AppOptions, 'clock'> = {},
): TestApp & { lines: Record<string, unknown>[] } {
  const context = { lines: [] } as unknown as TestApp & { lines: Record<string, unknown>[] };
  beforeAll(async () => {
    const built = await build(kind, overrides);
    await built.app.close();
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) context.lines.push(JSON.parse(line));
        done();
      },
    });
    const app = await buildApp({
      config: built.config,
      database: built.database,
      logger: { ...loggerOptions('trace'), stream },
      ...options,
    });
    Object.assign(context, { ...built, app });
  });
  afterAll(async () => {
    await context.app?.close();
    await context.database?.drop();
  });
  return context;
}
