import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { tempDir } from './helpers/cli.js';

describe('the server on the embedded database', () => {
  it('vacuums and analyses it on its interval, as autovacuum would on PostgreSQL', async () => {
    const config = loadConfig({ DATA_DIR: tempDir(), PORT: '0', LOG_LEVEL: 'silent' });
    const started = Date.now();
    const server = await startServer(config, { print: () => {}, upkeepIntervalMs: 20 });
    try {
      const lastRun = async () =>
        (
          await sql<{ vacuumed: Date | null; analysed: Date | null }>`
            SELECT last_vacuum AS vacuumed, last_analyze AS analysed FROM pg_stat_user_tables WHERE relname = 'rooms'`.execute(
            server.database.db,
          )
        ).rows[0];
      await vi.waitFor(
        async () => {
          const run = await lastRun();
          expect(run?.vacuumed?.getTime()).toBeGreaterThanOrEqual(started);
          expect(run?.analysed?.getTime()).toBeGreaterThanOrEqual(started);
        },
        { timeout: 5000, interval: 20 },
      );
    } finally {
      await server.close();
    }
  });
});
