// Runs the built `conclave` command in a clean environment: only what the test gives it.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

export function tempDir(prefix = 'conclave-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function cleanEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export interface RunningServer {
  child: ChildProcessWithoutNullStreams;
  address: string;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `conclave serve` and resolves once it says where it listens. */
export function startCli(env: Record<string, string>, timeoutMs = 15_000): Promise<RunningServer> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: cleanEnv({ PORT: '0', LOG_LEVEL: 'warn', ...env }),
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const exited = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${output}`));
    };
    child.once('exit', exited);
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.off('exit', exited);
      child.stdout.off('data', read);
      child.stdout.on('data', (more: Buffer) => (output += more));
      const closed = once(child, 'exit');
      resolve({
        child,
        address: match[1],
        output: () => output,
        async stop() {
          child.kill('SIGTERM');
          const [code] = (await closed) as [number | null];
          return code;
        },
      });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  });
}
