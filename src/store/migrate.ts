// Applies the numbered SQL files in sql/ once each, in order. Replicas may start together: the whole run
// holds a transaction-scoped advisory lock, so the second waits and then finds nothing left to do.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { packageRoot } from '../package-root.js';
import type { Database } from './database.js';

// An arbitrary constant that names Conclave's migration lock among the database's advisory locks.
const MIGRATION_LOCK = 4_211_987_330_651_734n;

/** The database was migrated by a newer build: this one would run on a schema it does not know. */
export class NewerSchemaError extends Error {
  constructor(unknown: string[]) {
    super(
      `the database has migrations this build does not know (${unknown.join(', ')}): a newer Conclave migrated it; run that version or a later one`,
    );
    this.name = 'NewerSchemaError';
  }
}

export interface Migration {
  name: string;
  script: string;
}

export function loadMigrations(directory = join(packageRoot(), 'sql')): Migration[] {
  return readdirSync(directory)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      name: file.replace(/\.sql$/, ''),
      script: readFileSync(join(directory, file), 'utf8'),
    }));
}

/** Whether Conclave has ever migrated this database. */
export async function holdsConclaveTables(database: Database): Promise<boolean> {
  const { rows } = await sql<{
    found: boolean;
  }>`SELECT to_regclass('schema_migrations') IS NOT NULL AS found`.execute(database.db);
  return rows[0]?.found === true;
}

/**
 * Applies what is missing; returns the names applied by this call. Refuses a database that holds
 * migrations this build does not have (NewerSchemaError): rolled back to an older image, the server
 * would otherwise write rows a newer schema no longer means.
 */
export async function migrate(database: Database, migrations = loadMigrations()): Promise<string[]> {
  return database.db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx);
    const applied = new Set(
      (await trx.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name),
    );
    const known = new Set(migrations.map((m) => m.name));
    const unknown = [...applied].filter((name) => !known.has(name)).sort();
    if (unknown.length > 0) throw new NewerSchemaError(unknown);
    const pending = migrations.filter((m) => !applied.has(m.name));
    for (const migration of pending) {
      await database.runScript(trx, migration.script);
      await trx.insertInto('schema_migrations').values({ name: migration.name }).execute();
    }
    return pending.map((m) => m.name);
  });
}

/** True when every migration has been applied: the readiness condition. */
export async function isMigrated(database: Database, migrations = loadMigrations()): Promise<boolean> {
  if (!(await holdsConclaveTables(database))) return false;
  const applied = new Set(
    (await database.db.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name),
  );
  return migrations.every((m) => applied.has(m.name));
}
