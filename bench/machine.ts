// What a result depends on besides the code: the machine, the versions, and how busy the machine already
// was when the run began (other work on it competes for the same cores).

import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  postgres: string;
  date: string;
  /** The one-minute load average when the run began. */
  loadAtStart: number;
}

export function describeMachine(postgres: string): Machine {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGb: totalmem() / 2 ** 30,
    node: process.version,
    postgres,
    date: new Date().toISOString(),
    loadAtStart: loadavg()[0] ?? 0,
  };
}
