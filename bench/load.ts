// One load phase: autocannon against one server for a fixed time, after a short warm-up that fills the
// pools and lets the JIT settle, with the CPU that each party used while it ran: the server, the
// PostgreSQL backends serving it, this process (the load generator) and the machine as a whole.

import autocannon from 'autocannon';
import { cpuSeconds, machineCpuSeconds } from './processes.js';

export interface Load {
  url: string;
  requests: autocannon.Request[];
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

async function fire(load: Load, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: load.url,
    connections: load.connections,
    duration: seconds,
    requests: load.requests,
  });
}

export async function measure(load: Load): Promise<Measured> {
  if (load.warmUpSeconds > 0) await fire(load, load.warmUpSeconds);
  const backends = await load.backendPids();
  const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const before = {
    server: load.serverPid === null ? 0 : cpuSeconds(load.serverPid),
    postgres: cpuOf(backends),
    generator: process.cpuUsage(),
    machine: machineCpuSeconds(),
    at: performance.now(),
  };
  const from = new Date();
  const result = await fire(load, load.seconds);
  const to = new Date();
  const elapsed = (performance.now() - before.at) / 1000;
  const generator = process.cpuUsage(before.generator);
  const machine = machineCpuSeconds();
  const requests = result.requests.total;
  return {
    requestsPerSecond: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    failures: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
    from,
    to,
    cpu: {
      server: load.serverPid === null ? 0 : (cpuSeconds(load.serverPid) - before.server) / elapsed,
      postgres: (cpuOf(backends) - before.postgres) / elapsed,
      generator: (generator.user + generator.system) / 1e6 / elapsed,
      machine: (machine.busy - before.machine.busy) / elapsed,
    },
  };
}
