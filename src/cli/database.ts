// The database a command works on: the one the environment names, migrated, and closed when it is done.

import { loadDatabaseTarget } from '../config.js';
import { type Database, openDatabase } from '../store/database.js';
import { holdsConclaveTables, migrate } from '../store/migrate.js';
import { holdsDatabase } from '../store/pglite-template.js';

/**
 * Runs `run` on Conclave's database, migrated. Only `migrate` and `accounts add` make a database where
 * there is none: any other command pointed at the wrong directory or database would otherwise fill it with
 * Conclave's tables, and report on them as if they had always been there.
 */
export async function withDatabase<T>(
  run: (database: Database, migrations: string[]) => Promise<T>,
  { create = false }: { create?: boolean } = {},
): Promise<T> {
  const target = loadDatabaseTarget();
  if (!create && target.kind === 'pglite' && target.dataDir !== null && !holdsDatabase(target.dataDir))
    throw new Error(`no database in DATA_DIR ${target.dataDir}: start the server there first (npm start)`);
  const database = await openDatabase(target);
  try {
    if (!create && !(await holdsConclaveTables(database)))
      throw new Error(
        `${target.kind === 'postgres' ? 'DATABASE_URL' : 'DATA_DIR'} holds a database without Conclave's tables: run conclave migrate there first`,
      );
    return await run(database, await migrate(database));
  } finally {
    await database.close();
  }
}
