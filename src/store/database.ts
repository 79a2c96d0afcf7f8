// Opens the database Conclave runs on: PostgreSQL through a `pg` pool when a URL is configured, otherwise
// PGlite, PostgreSQL compiled to WebAssembly, in a data directory (or in memory, for tests).

import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { holdsDatabase, loadTemplate } from './pglite-template.js';
import { preparedName } from './prepared.js';
import type { DB } from './schema.js';

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir: string | null };

export interface Database {
  kind: DatabaseTarget['kind'];
  db: Kysely<DB>;
  /** Runs a script of several statements on the connection `executor` is bound to. */
  runScript(executor: Kysely<DB>, script: string): Promise<void>;
  /** Connections open, idle, and requests waiting for one. */
  poolUsage(): PoolUsage;
  close(): Promise<void>;
}

export interface PoolUsage {
  total: number;
  idle: number;
  waiting: number;
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'postgres' ? openPostgres(target.url, target.poolSize) : openPglite(target.dataDir);
}

/** Connections per process: the benchmark's baselines get as many, so that they compete on equal terms. */
export const DEFAULT_POOL_SIZE = 10;

function openPostgres(url: string, poolSize = DEFAULT_POOL_SIZE): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // While the server is unreachable, fail fast so that callers can answer 503 instead of hanging.
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    // A session left idle inside a transaction would hold room locks and stall the xid cursor.
    idle_in_transaction_session_timeout: 10_000,
    application_name: 'conclave',
  });
  // A client that loses its server emits 'error': through the pool while idle, on itself while checked out
  // (inside a transaction, between two queries). Unheard, either would crash the process; the query in
  // flight, if any, fails on its own, and the next checkout opens a new connection.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    prepareRegistered(client);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    // Without parameters, pg uses the simple query protocol, which accepts several statements.
    runScript: async (executor, script) => void (await sql.raw(script).execute(executor)),
    poolUsage: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

/** Runs the texts registered in prepared.ts as named statements on `client`; the rest as they come. */
function prepareRegistered(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, ...rest: unknown[]) => {
    const name = typeof text === 'string' ? preparedName(text) : undefined;
    if (name === undefined) return query(text, ...rest);
    const [values, ...callback] = rest;
    return query({ name, text, values }, ...callback);
  }) as typeof client.query;
}

async function openPglite(dataDir: string | null): Promise<Database> {
  const template = dataDir === null || !holdsDatabase(dataDir) ? loadTemplate() : undefined;
  const options = template ? { loadDataDir: template } : {};
  const pglite = dataDir === null ? new PGlite(options) : new PGlite(dataDir, options);
  await pglite.waitReady;
  return pgliteDatabase(pglite);
}

/** Kysely over an open PGlite; also how the build prepares the template. */
export function pgliteDatabase(pglite: PGlite): Database {
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    db,
    // PGlite has one session: `exec` runs on it, inside whatever transaction the executor has open.
    runScript: async (_executor, script) => void (await pglite.exec(script)),
    // One session, shared in turn: it is always open, and never reported idle.
    poolUsage: () => ({ total: 1, idle: 0, waiting: 0 }),
    close: () => db.destroy(),
  };
}
