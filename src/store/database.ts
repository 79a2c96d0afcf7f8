// Opens the database Conclave runs on: PostgreSQL through a `pg` pool when a URL is configured, otherwise
// PGlite, PostgreSQL compiled to WebAssembly, in a data directory (or in memory, for tests).

import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { isLockFile, lockDataDir } from './data-dir-lock.js';
import { DEVELOPMENT_ACCOUNT_FILE } from './development-account-file.js';
import { preparingQueries } from './pglite-prepared.js';
import { holdsDatabase, loadTemplate, strangersIn, unpackTemplate } from './pglite-template.js';
import { preparedName } from './prepared.js';
import type { DB } from './schema.js';

export type DatabaseTarget =
  | {
      kind: 'postgres';
      url: string;
      poolSize?: number;
      /** How long a session may sit idle inside a transaction before the server ends it. */
      idleInTransactionMs?: number;
    }
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
  return target.kind === 'postgres' ? openPostgres(target) : openPglite(target.dataDir);
}

/** Connections per process: the benchmark's baselines get as many, so that they compete on equal terms. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * node-postgres 8 takes `sslmode` `prefer`, `require` and `verify-ca` as `verify-full` (the server's
 * certificate must be trusted), and says so in a warning of several lines at every start. Named as what it
 * means, the URL connects exactly as before, without the warning; `uselibpqcompat=true` in the URL asks for
 * libpq's meanings instead and is left as it is. Only that one value is rewritten, in place: node-postgres
 * reads the rest of the URL (escapes in a password, file paths) its own way, and takes the last `sslmode`.
 */
export function explicitSslMode(url: string): string {
  const query = url.indexOf('?');
  if (query < 0 || /[?&]uselibpqcompat=true(?=[&#]|$)/.test(url)) return url;
  const modes = [...url.slice(query).matchAll(/[?&]sslmode=([^&#]*)/g)];
  const last = modes.at(-1);
  if (last === undefined || !['prefer', 'require', 'verify-ca'].includes(last[1] ?? '')) return url;
  const at = query + last.index + '?sslmode='.length;
  return `${url.slice(0, at)}verify-full${url.slice(at + (last[1] ?? '').length)}`;
}

function openPostgres({
  url,
  poolSize = DEFAULT_POOL_SIZE,
  idleInTransactionMs = 10_000,
}: Extract<DatabaseTarget, { kind: 'postgres' }>): Database {
  const pool = new pg.Pool({
    connectionString: explicitSslMode(url),
    max: poolSize,
    // While the server is unreachable, fail fast so that callers can answer 503 instead of hanging.
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    // A session left idle inside a transaction would hold room locks and stall the xid cursor.
    idle_in_transaction_session_timeout: idleInTransactionMs,
    application_name: 'conclave',
  });
  // A client that loses its server emits 'error': through the pool while idle, on itself while checked out
  // (inside a transaction, between two queries). Unheard, either would crash the process; the query in
  // flight, if any, fails on its own, and the next checkout opens a new connection.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: namingPrepared(pool) }) });
  return {
    kind: 'postgres',
    db,
    // Without parameters, pg uses the simple query protocol, which accepts several statements.
    runScript: async (executor, script) => void (await sql.raw(script).execute(executor)),
    poolUsage: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

/** The pool as Kysely sees it: a statement text marked prepared (prepared.ts) goes by its name. */
function namingPrepared(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((text: unknown, values?: unknown[]) => {
      if (typeof text !== 'string') return client.query(text as never);
      // A text without parameters goes as a simple query: it may be a script of several statements, which
      // cannot be prepared, and one that is not (BEGIN, COMMIT) gains nothing from it.
      const name = values !== undefined && values.length > 0 ? preparedName(text) : undefined;
      return client.query(name === undefined ? { text, values } : { name, text, values });
    }) as unknown as PostgresPoolClient['query'],
    release: (destroy) => client.release(destroy),
  });
  return {
    connect: async () => {
      const client = await pool.connect();
      const known = wrapped.get(client) ?? wrap(client);
      wrapped.set(client, known);
      return known;
    },
    end: () => pool.end(),
  };
}

/**
 * Once another process holds the data directory, nothing of this one's may reach it: PGlite would write its
 * pages over the newcomer's. Closing the database would write them, so the process ends at once instead.
 */
function stopAtOnce(message: string): never {
  console.error(`conclave: ${message}; stopping without writing to it`);
  process.exit(1);
}

async function openPglite(dataDir: string | null): Promise<Database> {
  if (dataDir === null) {
    const template = loadTemplate();
    const pglite = new PGlite(template ? { loadDataDir: template } : {});
    await pglite.waitReady;
    return pgliteDatabase(pglite);
  }
  const unlock = inDataDir(dataDir, () => lockDataDir(dataDir, stopAtOnce));
  try {
    if (!holdsDatabase(dataDir)) {
      const strangers = strangersIn(
        dataDir,
        (entry) => isLockFile(entry) || entry === DEVELOPMENT_ACCOUNT_FILE,
      );
      if (strangers.length > 0)
        throw new DataDirError(
          dataDir,
          `holds other files (${strangers.slice(0, 3).join(', ')}${strangers.length > 3 ? ', …' : ''}) and no database: point DATA_DIR at a new or empty directory`,
        );
      inDataDir(dataDir, () => unpackTemplate(dataDir));
    }
    const pglite = new PGlite(dataDir);
    await pglite.waitReady.catch((error: unknown) => {
      throw new DataDirError(dataDir, `holds a database PGlite could not open (${(error as Error).message})`);
    });
    const database = pgliteDatabase(pglite);
    return { ...database, close: () => database.close().finally(unlock) };
  } catch (error) {
    unlock();
    throw error;
  }
}

/** The embedded database's directory cannot be used; the message names DATA_DIR and why. */
export class DataDirError extends Error {
  constructor(dataDir: string, problem: string) {
    super(`DATA_DIR ${dataDir} ${problem}`);
    this.name = 'DataDirError';
  }
}

// What the file system says, in words an operator acts on.
const FILE_SYSTEM_PROBLEMS: Record<string, string> = {
  EEXIST: 'is a file, not a directory',
  ENOTDIR: 'is a file, not a directory',
  EACCES: 'cannot be written: permission denied',
  EPERM: 'cannot be written: operation not permitted',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'is on a full disk',
};

/** Runs `work` on the data directory, telling a file system refusal as a DataDirError. */
function inDataDir<T>(dataDir: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const problem = FILE_SYSTEM_PROBLEMS[(error as NodeJS.ErrnoException).code ?? ''];
    if (problem === undefined) throw error;
    throw new DataDirError(dataDir, problem);
  }
}

/** Kysely over an open PGlite; also how the build prepares the template. */
export function pgliteDatabase(pglite: PGlite): Database {
  // The dialect calls only `query` and `close` on what it is given.
  const db = new Kysely<DB>({ dialect: new PGliteDialect(preparingQueries(pglite) as unknown as PGlite) });
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
