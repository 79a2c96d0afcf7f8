import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { CONFERENCE_TYPES } from '../src/reads/projection.js';
import { startServer } from '../src/server.js';
import { insertRows } from '../src/store/bulk-write.js';
import { tempDir } from './helpers/cli.js';
import { conferenceRow } from './helpers/read-models.js';

describe('the server on the embedded database', () => {
  it('vacuums and analyses a table that has changed enough, on its interval, as autovacuum would on PostgreSQL', async () => {
    const dataDir = tempDir();
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' });
    const server = await startServer(config, { print: () => {}, upkeepIntervalMs: 20 });
    try {
      const written = Date.now();
      const account = `AC${'b'.repeat(32)}`;
      const conferences = Array.from({ length: 2000 }, (_, i) => conferenceRow(account, i + 1));
      await insertRows(server.database.db, 'conferences', CONFERENCE_TYPES, conferences).execute();
      await vi.waitFor(
        async () => {
          const { rows } = await sql<{ vacuumed: Date | null; analysed: Date | null }>`
            SELECT last_vacuum AS vacuumed, last_analyze AS analysed
            FROM pg_stat_user_tables WHERE relname = 'conferences'`.execute(server.database.db);
          expect(rows[0]?.vacuumed?.getTime()).toBeGreaterThanOrEqual(written);
          expect(rows[0]?.analysed?.getTime()).toBeGreaterThanOrEqual(written);
        },
        { timeout: 5000, interval: 20 },
      );
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
