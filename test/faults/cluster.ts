// A PostgreSQL cluster of the test's own, on a temporary directory and a free port, that it may stop and
// start at will without disturbing the shared server other tests use. PostgreSQL refuses to run as root,
// so as root the commands run as the `postgres` user.

import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './servers.js';

const run = promisify(execFile);
const POSTGRES_BIN = '/usr/lib/postgresql';

/** The newest PostgreSQL installed under /usr/lib/postgresql, if any. */
export function postgresBin(): string | undefined {
  try {
    const versions = readdirSync(POSTGRES_BIN).sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? undefined : join(POSTGRES_BIN, versions[0], 'bin');
  } catch {
    return undefined;
  }
}

export interface Cluster {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function owner(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

export async function startCluster(): Promise<Cluster> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error(`no PostgreSQL under ${POSTGRES_BIN}`);
  const dir = mkdtempSync(join(tmpdir(), 'conclave-cluster-'));
  const user = await owner();
  if (user) chownSync(dir, user.uid, user.gid);
  const as = (command: string, args: string[]) =>
    user
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : run(join(bin, command), args);
  const data = join(dir, 'data');
  const port = await freePort();
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', options, 'start']);
  };
  // Fast shutdown: sessions are cut off mid-transaction, as in a failover or a crash of the host.
  const stop = async () => {
    await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
