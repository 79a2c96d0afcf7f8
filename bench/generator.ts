// The load generator of one phase, in a process of its own: `measure` (load.ts) starts it for the phase and
// it is gone after. In one process for the whole run, the generator spent half as much again per request
// after it had driven the baseline server, for every phase after that (bench/analysis.md, sixth session):
// each phase now sends its requests from a process that has sent no other phase's.
//
// Reads a Job as JSON on stdin; after the warm-up prints `measuring`, then one line of JSON: a Fired.

import autocannon from 'autocannon';
import { conferenceRounds, hotRoomRounds, restReads, type Target } from './flows.js';

/** What to send, described so that it can cross to the generator's process. */
export type Flow =
  | { kind: 'conference rounds'; target: Target }
  | { kind: 'hot room'; target: Target; room: string }
  /** GETs of paths picked at random from `paths`, one per request. */
  | { kind: 'rest reads'; target: Target; paths: string[] };

export interface Job {
  flow: Flow;
  connections: number;
  seconds: number;
  warmUpSeconds: number;
}

export interface Fired {
  requests: number;
  duration: number;
  p50: number;
  p99: number;
  failures: number;
  /** When the measured part began and ended, in milliseconds since the epoch. */
  from: number;
  to: number;
  /** CPU seconds this process used in the measured part. */
  cpuSeconds: number;
}

function requestsOf(flow: Flow): autocannon.Request[] {
  switch (flow.kind) {
    case 'conference rounds':
      return conferenceRounds(flow.target);
    case 'hot room':
      return hotRoomRounds(flow.target, flow.room);
    case 'rest reads':
      return restReads(
        flow.target,
        () => flow.paths[Math.floor(Math.random() * flow.paths.length)] as string,
      );
  }
}

async function fire(job: Job, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: job.flow.target.url,
    connections: job.connections,
    duration: seconds,
    requests: requestsOf(job.flow),
  });
}

async function run(job: Job): Promise<Fired> {
  if (job.warmUpSeconds > 0) await fire(job, job.warmUpSeconds);
  process.stdout.write('measuring\n');
  const cpu = process.cpuUsage();
  const from = Date.now();
  const result = await fire(job, job.seconds);
  const to = Date.now();
  const used = process.cpuUsage(cpu);
  return {
    requests: result.requests.total,
    duration: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    from,
    to,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(`${JSON.stringify(await run(JSON.parse(input) as Job))}\n`);
