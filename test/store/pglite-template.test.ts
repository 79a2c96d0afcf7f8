import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newAccount, saveAccount } from '../../src/store/accounts.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { isMigrated } from '../../src/store/migrate.js';
import { tempDir } from '../helpers/cli.js';

async function opened<T>(dataDir: string, use: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ kind: 'pglite', dataDir });
  try {
    return await use(database);
  } finally {
    await database.close();
  }
}

describe('a PGlite data directory', () => {
  it('starts empty from the migrated template, with nothing of the unpacking left over', async () => {
    const dataDir = tempDir();
    expect(await opened(dataDir, isMigrated)).toBe(true);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(readdirSync(dataDir)).not.toContain('.template');
  });

  it('is unpacked again when an earlier first start was cut short before the database was complete', async () => {
    const dataDir = tempDir();
    // What a start killed while unpacking leaves: part of PostgreSQL's files, the staging copy, no version file.
    mkdirSync(join(dataDir, 'base', '5'), { recursive: true });
    writeFileSync(join(dataDir, 'base', '5', '1259'), 'torn');
    mkdirSync(join(dataDir, '.template', 'global'), { recursive: true });
    expect(await opened(dataDir, isMigrated)).toBe(true);
    expect(readdirSync(dataDir)).not.toContain('.template');
  });

  it('keeps what it holds: a database already there is opened, never replaced by the template', async () => {
    const dataDir = tempDir();
    const account = newAccount('Kept');
    await opened(dataDir, (database) => saveAccount(database.db, account));
    const found = await opened(dataDir, (database) =>
      database.db
        .selectFrom('accounts')
        .select('friendly_name')
        .where('account_sid', '=', account.sid)
        .execute(),
    );
    expect(found).toEqual([{ friendly_name: 'Kept' }]);
  });
});
