// The databases every store and HTTP test runs on: embedded PGlite always, PostgreSQL as well when
// TEST_DATABASE_URL names a server. Each test database is new and is dropped afterwards; nothing touches
// the data behind DATABASE_URL.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';

export interface TestDatabase extends Database {
  /** Opens another pool on the same database, as another replica would. PostgreSQL only. */
  openReplica(poolSize?: number): Promise<Database>;
  url: string | null;
  drop(): Promise<void>;
}

export interface DatabaseKind {
  name: 'pglite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const pglite: DatabaseKind = {
  name: 'pglite',
  async create() {
    const database = await openDatabase({ kind: 'pglite', dataDir: null });
    await migrate(database);
    return {
      ...database,
      url: null,
      openReplica: () => Promise.reject(new Error('PGlite has a single connection: no replicas')),
      drop: () => database.close(),
    };
  },
};

export interface EmptyDatabase {
  url: string;
  /** Drops it, whoever is still connected. */
  drop(): Promise<void>;
}

/** A new, empty database on the server behind `adminUrl`, under a random name. */
export async function createEmptyPostgres(adminUrl: string): Promise<EmptyDatabase> {
  const name = `conclave_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

function postgres(adminUrl: string): DatabaseKind {
  return {
    name: 'postgres',
    async create() {
      const empty = await createEmptyPostgres(adminUrl);
      const database = await openDatabase({ kind: 'postgres', url: empty.url, poolSize: 10 });
      await migrate(database);
      const replicas: Database[] = [];
      return {
        ...database,
        url: empty.url,
        async openReplica(poolSize = 10) {
          const replica = await openDatabase({ kind: 'postgres', url: empty.url, poolSize });
          replicas.push(replica);
          return replica;
        },
        async drop() {
          await Promise.all([database, ...replicas].map((d) => d.close()));
          await empty.drop();
        },
      };
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const postgresUrl = process.env.TEST_DATABASE_URL;

export const databaseKinds: DatabaseKind[] = postgresUrl ? [pglite, postgres(postgresUrl)] : [pglite];

export const postgresKind: DatabaseKind | undefined = postgresUrl ? postgres(postgresUrl) : undefined;

/** Runs `run` on a fresh database of `kind`, dropped afterwards whatever happens. */
export async function withDatabase(kind: DatabaseKind, run: (database: TestDatabase) => Promise<void>) {
  const database = await kind.create();
  try {
    await run(database);
  } finally {
    await database.drop();
  }
}
