import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { type Database, pgliteDatabase } from '../../src/store/database.js';
import { isMigrated, loadMigrations, migrate, NewerSchemaError } from '../../src/store/migrate.js';
import { databaseKinds, postgresKind } from '../helpers/databases.js';

describe.each(databaseKinds)('migrations on $name', (kind) => {
  it('apply once: a second run finds nothing to do, and readiness sees them all', async () => {
    const database = await kind.create();
    try {
      expect(await isMigrated(database)).toBe(true);
      expect(await migrate(database)).toEqual([]);
      const applied = await database.db
        .selectFrom('schema_migrations')
        .select('name')
        .orderBy('name')
        .execute();
      expect(applied.map((r) => r.name)).toEqual(loadMigrations().map((m) => m.name));
    } finally {
      await database.drop();
    }
  });

  it('refuses a database a newer build migrated, changing nothing', async () => {
    const database = await kind.create();
    try {
      await database.db.insertInto('schema_migrations').values({ name: '999_from_the_future' }).execute();
      await expect(migrate(database)).rejects.toThrow(
        'the database has migrations this build does not know (999_from_the_future): a newer Conclave migrated it; run that version or a later one',
      );
      // A build one migration behind the database names that one too.
      const all = loadMigrations();
      const newest = all.at(-1)?.name ?? '';
      await expect(migrate(database, all.slice(0, -1))).rejects.toThrow(`(${newest}, 999_from_the_future)`);
      await expect(migrate(database, all.slice(0, -1))).rejects.toThrow(NewerSchemaError);
      const applied = await database.db.selectFrom('schema_migrations').select('name').execute();
      expect(applied.length).toBe(all.length + 1);
    } finally {
      await database.drop();
    }
  });
});

describe('readiness before migrations', () => {
  it('reports an empty database as not migrated', async () => {
    // Straight from initdb: openDatabase would start from the build's migrated template.
    const database = pgliteDatabase(new PGlite());
    try {
      expect(await isMigrated(database)).toBe(false);
    } finally {
      await database.close();
    }
  });
});

describe.skipIf(!postgresKind)('migrations started by several replicas at once on PostgreSQL', () => {
  it('apply each migration exactly once', async () => {
    const database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    try {
      // Start from an empty schema, as a first deployment would.
      await database.db.schema.dropSchema('public').cascade().execute();
      await database.db.schema.createSchema('public').execute();
      const replicas: Database[] = await Promise.all([1, 2, 3, 4].map(() => database.openReplica(2)));
      const runs = await Promise.all(replicas.map((replica) => migrate(replica)));
      expect(runs.flat().sort()).toEqual(loadMigrations().map((m) => m.name));
      expect(runs.filter((applied) => applied.length > 0)).toHaveLength(1);
    } finally {
      await database.drop();
    }
  });
});
