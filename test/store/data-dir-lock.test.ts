// The embedded database's directory is one process's at a time: PGlite writes its pages back when it likes,
// so a second process on the same directory would lose its writes to the first's (a key revoked by the CLI
// while the server ran came back when the server stopped). A second opener is refused with what to do.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lockDataDir, STALE_MS } from '../../src/store/data-dir-lock.js';
import { openDatabase } from '../../src/store/database.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';

// The host's name as the lock sees it: one test renames the host, as a laptop's name changes with its network.
const host = vi.hoisted(() => ({ renamed: null as string | null }));
vi.mock('node:os', async (original) => {
  const os = await original<typeof import('node:os')>();
  return { ...os, hostname: () => host.renamed ?? os.hostname() };
});

const open = (dataDir: string) => openDatabase({ kind: 'pglite', dataDir });

/** Names `pid` in the directory's lock file, as a process that held it would have left it. */
function lockFileNaming(dataDir: string, pid: number): void {
  writeFileSync(join(dataDir, 'conclave.lock'), JSON.stringify({ pid, host: hostname() }));
}

async function started(child: ChildProcess): Promise<number> {
  await once(child, 'spawn');
  return child.pid as number;
}

describe('the embedded database directory', { timeout: 60_000 }, () => {
  it('refuses a second opener while the first holds it, and opens again once it is closed', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir);
    try {
      await expect(open(dataDir)).rejects.toThrow(
        `the embedded database in ${dataDir} is in use by process ${process.pid}: stop it first, or run both on PostgreSQL (DATABASE_URL)`,
      );
    } finally {
      await first.close();
    }
    const again = await open(dataDir);
    await again.close();
  });

  it('is refused while the process its lock file names runs, and taken over once that process has ended', async () => {
    const dataDir = tempDir();
    await (await open(dataDir)).close();
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const pid = await started(holder);
    lockFileNaming(dataDir, pid);
    await expect(open(dataDir)).rejects.toThrow(`is in use by process ${pid}`);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const database = await open(dataDir);
    await database.close();
  });

  it('is refused while a holder on another host renews its lock file, and taken over once it stops', async () => {
    const dataDir = tempDir();
    await (await open(dataDir)).close();
    // A second container on the same volume: its process cannot be asked about from here.
    const lock = join(dataDir, 'conclave.lock');
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'another-container' }));
    await expect(open(dataDir)).rejects.toThrow(
      `the embedded database in ${dataDir} is in use by process 1 on host another-container: stop it first`,
    );
    const untouched = new Date(Date.now() - STALE_MS - 1000);
    utimesSync(lock, untouched, untouched);
    const database = await open(dataDir);
    await database.close();
  });

  describe('while it holds the directory, its heartbeat on fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    });
    afterEach(() => {
      host.renamed = null;
      vi.useRealTimers();
    });

    /** A directory this process holds, its lock file last touched a minute ago, and what it was told. */
    function held() {
      const dataDir = tempDir();
      const lock = join(dataDir, 'conclave.lock');
      const lost: string[] = [];
      const release = lockDataDir(dataDir, (message) => lost.push(message));
      const old = new Date(Date.now() - 60_000);
      const age = () => Date.now() - statSync(lock).mtimeMs;
      return { dataDir, lock, lost, release, age, untouch: () => utimesSync(lock, old, old) };
    }

    it('renews its own lock file, and leaves one that another has taken over', () => {
      const { lock, release, age, untouch } = held();
      untouch();
      vi.advanceTimersByTime(STALE_MS / 2);
      expect(age()).toBeLessThan(STALE_MS / 2);
      // Taken over while this process stalled: the file is then another's, neither renewed nor removed.
      writeFileSync(lock, JSON.stringify({ pid: 1, host: 'another-container' }));
      untouch();
      vi.advanceTimersByTime(STALE_MS / 2);
      expect(age()).toBeGreaterThan(STALE_MS);
      release();
      expect(readFileSync(lock, 'utf8')).toContain('another-container');
    });

    it('tells its holder, once, when another process has taken the directory over', () => {
      const { dataDir, lock, lost, release } = held();
      vi.advanceTimersByTime(STALE_MS);
      expect(lost).toEqual([]);
      writeFileSync(lock, JSON.stringify({ pid: 7, host: 'another-container' }));
      vi.advanceTimersByTime(STALE_MS);
      expect(lost).toEqual([
        `the embedded database in ${dataDir} was taken over by process 7 on host another-container while this process stalled for more than ${STALE_MS / 1000} s`,
      ]);
      release();
    });

    it('keeps renewing, and then removes, its lock file when the host is renamed while it holds it', () => {
      const { lock, lost, release, age, untouch } = held();
      host.renamed = 'renamed-laptop';
      untouch();
      vi.advanceTimersByTime(STALE_MS);
      expect(lost).toEqual([]);
      expect(age()).toBeLessThan(STALE_MS);
      release();
      expect(existsSync(lock)).toBe(false);
    });
  });

  it('stops a server whose directory another process has taken over, with one line and without writing to it', async () => {
    const dataDir = tempDir();
    const server = await startCli({ DATA_DIR: dataDir });
    const exited = once(server.child, 'exit');
    // What a second container finds after this one stalled past STALE_MS: the lock file is then its own.
    writeFileSync(join(dataDir, 'conclave.lock'), JSON.stringify({ pid: 7, host: 'another-container' }));
    const [code] = (await exited) as [number | null];
    expect(code).toBe(1);
    expect(server.output()).toContain(
      `conclave: the embedded database in ${dataDir} was taken over by process 7 on host another-container while this process stalled for more than ${STALE_MS / 1000} s; stopping without writing to it\n`,
    );
    expect(readFileSync(join(dataDir, 'conclave.lock'), 'utf8')).toContain('another-container');
  });

  it('keeps the CLI off the directory of a running server with one line, and lets it in once the server stops', async () => {
    const dataDir = tempDir();
    const server = await startCli({ DATA_DIR: dataDir });
    let refused: Awaited<ReturnType<typeof runCli>>;
    try {
      refused = await runCli(['keys', 'list'], { DATA_DIR: dataDir });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `conclave keys: the embedded database in ${dataDir} is in use by process ${server.child.pid}: stop it first, or run both on PostgreSQL (DATABASE_URL)\n`,
    );
    expect((await runCli(['keys', 'list'], { DATA_DIR: dataDir })).code).toBe(0);
  });
});
