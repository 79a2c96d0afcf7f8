// One load phase: autocannon against one server for a fixed time, after a short warm-up that fills the
// pools and lets the JIT settle, with the CPU that each party used while it ran: the server, the
// PostgreSQL backends serving it, the load generator (a process of its own, generator.ts) and the machine
// as a whole.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Fired, Flow, Job } from './generator.js';
import { cpuSeconds, machineCpuSeconds } from './processes.js';

const GENERATOR = join(import.meta.dirname, 'generator.ts');

export interface Load {
  flow: Flow;
  connections: number;
  seconds: number;
  warmUpSeconds: number;
  /** The server's process, for its CPU time. */
  serverPid: number | null;
  /** The PostgreSQL backends serving the server, listed once the warm-up has opened them. */
  backendPids: () => Promise<number[]>;
}

/** Cores in use on average during the phase. */
export interface CpuShare {
  server: number;
  postgres: number;
  generator: number;
  machine: number;
}

export interface Measured {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  /** Answers other than 2xx, and requests that got no answer. */
  failures: number;
  seconds: number;
  /** When the measured part began and ended, by this machine's clock (the server's too). */
  from: Date;
  to: Date;
  cpu: CpuShare;
}

export async function measure(load: Load): Promise<Measured> {
  const job: Job = {
    flow: load.flow,
    connections: load.connections,
    seconds: load.seconds,
    warmUpSeconds: load.warmUpSeconds,
  };
  const generator = spawn(process.execPath, ['--import', 'tsx', GENERATOR], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(generator, 'exit');
  generator.stdin.end(JSON.stringify(job));
  const lines = createInterface({ input: generator.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the load generator ended early (exit ${(await exited)[0]})`);
    return line.value;
  };
  if ((await next()) !== 'measuring') throw new Error('the load generator did not start measuring');
  const backends = await load.backendPids();
  const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const before = {
    server: load.serverPid === null ? 0 : cpuSeconds(load.serverPid),
    postgres: cpuOf(backends),
    machine: machineCpuSeconds(),
    at: performance.now(),
  };
  const fired = JSON.parse(await next()) as Fired;
  const elapsed = (performance.now() - before.at) / 1000;
  const machine = machineCpuSeconds();
  const after = {
    server: load.serverPid === null ? 0 : cpuSeconds(load.serverPid),
    postgres: cpuOf(backends),
  };
  await exited;
  return {
    requestsPerSecond: fired.requests / fired.duration,
    p50: fired.p50,
    p99: fired.p99,
    requests: fired.requests,
    failures: fired.failures,
    seconds: fired.duration,
    from: new Date(fired.from),
    to: new Date(fired.to),
    cpu: {
      server: (after.server - before.server) / elapsed,
      postgres: (after.postgres - before.postgres) / elapsed,
      generator: fired.cpuSeconds / elapsed,
      machine: (machine.busy - before.machine.busy) / elapsed,
    },
  };
}
