// The embedded database's directory belongs to one process at a time. PGlite keeps its pages in its own
// memory and writes them back to the directory when it likes, so a second process on the same directory
// works on a copy of its own, and whichever writes a page last wins: a key the CLI revoked while the server
// ran came back when the server stopped. A lock file names the process that holds the directory; a second
// opener is refused, with what to do instead.

import {
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = 'conclave.lock';
// A holder on another host (a second container on the same volume) cannot be asked whether it runs: it
// shows it by touching the lock file this often, and a lock file left untouched for STALE_MS is over (as
// when the same container starts again under a new name after a crash).
const HEARTBEAT_MS = 2_000;
export const STALE_MS = 10_000;

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
  /** When the lock file was last touched, in ms since the epoch. */
  renewedAt: number;
}

/**
 * Takes `dataDir` (creating it) for this process, and returns what gives it back. A lock file left by a
 * process that has ended (killed, or its machine restarted) is taken over. Should this process stall past
 * STALE_MS and another take the directory over, `onLost` is told, once, with a line saying so.
 */
export function lockDataDir(dataDir: string, onLost: (message: string) => void = () => {}): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  // Who this process is, as its lock file says: the host's name as it is now, should the name change later.
  const self = { pid: process.pid, host: hostname() };
  if (held.has(path)) throw inUse(dataDir, self);
  // Written whole beside it, then linked into place: a lock file is never seen half written, and the link
  // fails if the file is there already.
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, JSON.stringify(self));
  try {
    for (;;) {
      try {
        linkSync(draft, path);
        held.add(path);
        const heartbeat = setInterval(() => {
          const holder = holderOf(path);
          if (holder === undefined) return;
          if (isSelf(holder, self)) return touch(path);
          clearInterval(heartbeat);
          onLost(
            `the embedded database in ${dataDir} was taken over by process ${holder.pid} on host ${holder.host} while this process stalled for more than ${STALE_MS / 1000} s`,
          );
        }, HEARTBEAT_MS);
        heartbeat.unref();
        return () => {
          clearInterval(heartbeat);
          held.delete(path);
          // A process stalled past STALE_MS has had its lock taken over: the file is then another's.
          const holder = holderOf(path);
          if (holder !== undefined && isSelf(holder, self)) rmSync(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = holderOf(path);
      if (holder !== undefined && isRunning(holder)) throw inUse(dataDir, holder);
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
      throw inUse(dataDir, holder);
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function isSelf(holder: Holder, self: Pick<Holder, 'pid' | 'host'>): boolean {
  return holder.pid === self.pid && holder.host === self.host;
}

/** Marks the lock file as renewed now; a file gone (the directory removed under the server) is left so. */
function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // Nothing to renew.
  }
}

function inUse(dataDir: string, { pid, host }: Pick<Holder, 'pid' | 'host'>): DataDirInUse {
  const where = host === hostname() ? '' : ` on host ${host}`;
  return new DataDirInUse(
    `the embedded database in ${dataDir} is in use by process ${pid}${where}: stop it first, or run both on PostgreSQL (DATABASE_URL)`,
  );
}

/** Who the lock file names and when it was last renewed; undefined when it names nobody of ours. */
function holderOf(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string'
      ? { pid: holder.pid, host: holder.host, renewedAt: statSync(path).mtimeMs }
      : undefined;
  } catch {
    return undefined;
  }
}

// A holder on another host runs while it renews its lock file. One on this host with this process's own id
// (an earlier run that had the same id) is over; otherwise the id is asked about: signal 0 checks without
// sending anything, and EPERM means a process is there, only another user's.
function isRunning({ pid, host, renewedAt }: Holder): boolean {
  if (host !== hostname()) return Date.now() - renewedAt < STALE_MS;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
