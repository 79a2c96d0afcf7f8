// The local PostgreSQL every phase of a run shares: scratch databases made for the run and dropped after
// it, a client for seeding and counting, and pgbench, the database's own measure of its transaction rate.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface ScratchDatabase {
  name: string;
  url: string;
  /** A client of its own, for seeding and counting; closed by drop(). */
  client: pg.Client;
  /** PostgreSQL's process ids of the connections other than `client` (a server's pool). */
  backendPids(): Promise<number[]>;
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function serverVersion(adminUrl: string): Promise<string> {
  return admin(adminUrl, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  });
}

/** Writes out every dirty page now, so that no checkpoint of earlier work runs during what comes next. */
export async function checkpoint(adminUrl: string): Promise<void> {
  await admin(adminUrl, (client) => client.query('CHECKPOINT'));
}

export async function createScratch(adminUrl: string, purpose: string): Promise<ScratchDatabase> {
  const name = `conclave_bench_${purpose}_${process.pid}`;
  await admin(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  return {
    name,
    url: url.href,
    client,
    async backendPids() {
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      return rows.map((row) => row.pid);
    },
    async drop() {
      await client.end();
      await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** `pgbench -N` (no updates of the small, contended tables) at 8 clients on a freshly initialised database. */
export async function pgbench(database: ScratchDatabase, seconds: number): Promise<number> {
  await run('pgbench', ['-i', '-q', database.url]);
  const { stdout } = await run('pgbench', ['-N', '-c', '8', '-j', '2', '-T', String(seconds), database.url]);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
  if (tps === undefined) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return Number(tps);
}

export async function countRows(client: pg.Client, table: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}
