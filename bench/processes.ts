// The servers under test run as child processes, each on its own port, so that each has a process of its
// own to measure (start-up time, CPU, peak memory) and none shares an event loop with the load generator.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Running {
  pid: number;
  /** Milliseconds from spawning the process to the line that says it listens. */
  startupMs: number;
  /** The highest resident set size the process has had so far, in MB (Linux's VmHWM). */
  peakRssMb(): number;
  stop(): Promise<void>;
}

const live = new Set<() => Promise<void>>();

/** Stops whatever is still running, so that a failed run leaves no server behind. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((stopOne) => stopOne()));
}

/** A port nothing listens on now: the server is told it up front, since PUBLIC_URL must name it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP port to be had');
  return address.port;
}

/** Spawns `node args…` and resolves once its stdout shows `ready`; rejects with its output otherwise. */
export async function startProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 120_000,
): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`));
    };
    child.once('exit', onExit);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      if (!ready.test(output)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve();
    });
  });
  const startupMs = performance.now() - started;
  const pid = child.pid as number;
  const stopThis = async () => {
    live.delete(stopThis);
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  live.add(stopThis);
  return { pid, startupMs, peakRssMb: () => statusKb(pid, 'VmHWM') / 1024, stop: stopThis };
}

/** Runs `node args…` to completion; rejects with its output when it fails. */
export async function runProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; ms: number; pid: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}:\n${stdout}${stderr}`);
  return { stdout, ms: performance.now() - started, pid: child.pid as number };
}

function statusKb(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

const TICKS_PER_SECOND = 100;

/** CPU seconds a process has used so far, user and system. Linux only, like the rest of the harness. */
export function cpuSeconds(pid: number): number {
  try {
    // The command name in parentheses may hold spaces: the fields are counted after it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    // A backend that went away between listing and reading counts for nothing.
    return 0;
  }
}

/** Busy and total CPU seconds of the whole machine so far, summed over its cores. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.reduce((sum, n) => sum + n, 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}
