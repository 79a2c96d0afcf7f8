// The embedded database's directory belongs to one process at a time. PGlite keeps its pages in its own
// memory and writes them back to the directory when it likes, so a second process on the same directory
// works on a copy of its own, and whichever writes a page last wins: a key the CLI revoked while the server
// ran came back when the server stopped. A lock file names the process that holds the directory; a second
// opener is refused, with what to do instead.

import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = 'conclave.lock';

/** Whether `entry` of a data directory is a lock file, or one being written. */
export function isLockFile(entry: string): boolean {
  return entry === LOCK_FILE || entry.startsWith(`${LOCK_FILE}.`);
}

/** Directories this process holds: a second open in the same process is as wrong as one in another. */
const held = new Set<string>();

class DataDirInUse extends Error {}

interface Holder {
  pid: number;
  host: string;
}

/**
 * Takes `dataDir` (creating it) for this process, and returns what gives it back. A lock file left by a
 * process that has ended (killed, or its machine restarted) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  if (held.has(path)) throw inUse(dataDir, process.pid);
  // Written whole beside it, then linked into place: a lock file is never seen half written, and the link
  // fails if the file is there already.
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, JSON.stringify({ pid: process.pid, host: hostname() } satisfies Holder));
  try {
    for (;;) {
      try {
        linkSync(draft, path);
        held.add(path);
        return () => {
          held.delete(path);
          rmSync(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = holderOf(path);
      if (holder !== undefined && isRunning(holder)) throw inUse(dataDir, holder.pid);
      takeOver(path, dataDir);
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * Moves a stale lock file out of the way. Two openers may both have found it stale: the second then moves
 * the first's new file instead, finds its holder running, and puts it back.
 */
function takeOver(path: string, dataDir: string): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const holder = holderOf(aside);
    if (holder !== undefined && isRunning(holder)) {
      linkSync(aside, path);
      throw inUse(dataDir, holder.pid);
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function inUse(dataDir: string, pid: number): DataDirInUse {
  return new DataDirInUse(
    `the embedded database in ${dataDir} is in use by process ${pid}: stop it first, or run both on PostgreSQL (DATABASE_URL)`,
  );
}

/** Who the lock file names; undefined when it names nobody (not a lock file of ours). */
function holderOf(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string'
      ? { pid: holder.pid, host: holder.host }
      : undefined;
  } catch {
    return undefined;
  }
}

// A holder on another host (a container started again has a new name) or with this process's own id (an
// earlier run that had the same id) is over. Otherwise the id is asked about: signal 0 checks without
// sending anything, and EPERM means a process is there, only another user's.
function isRunning({ pid, host }: Holder): boolean {
  if (host !== hostname() || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
