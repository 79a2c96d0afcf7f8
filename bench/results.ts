// bench/RESULTS.md: the machine, one row per measure with its baseline, ratio and target, a line per
// scenario, and where the CPU went in each load phase, so that a miss shows which process to profile.

import type { CpuShare } from './load.js';
import type { Machine } from './machine.js';

export interface Check {
  scenario: string;
  measure: string;
  conclave: string;
  baseline: string;
  ratio: string;
  target: string;
  /** null where the issue sets no target. */
  met: boolean | null;
}

export interface PhaseCpu {
  phase: string;
  requestsPerSecond: number;
  cpu: CpuShare;
}

export interface Report {
  machine: Machine;
  seconds: number;
  checks: Check[];
  summaries: string[];
  phases: PhaseCpu[];
  /** Hand-written notes on the profiles behind the figures, kept in bench/analysis.md. */
  analysis: string;
}

export const fixed = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function verdict(met: boolean | null): string {
  if (met === null) return '–';
  return met ? 'met' : '**missed**';
}

export function renderResults({ machine, seconds, checks, summaries, phases, analysis }: Report): string {
  const m = machine;
  return [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${m.date}.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${fixed(m.memoryGb, 1)} GiB memory; load average ${fixed(m.loadAtStart, 1)} when the run began`,
    `- Node.js ${m.node}, PostgreSQL ${m.postgres} (local, fsync and synchronous_commit as configured), every process on this machine`,
    `- Load phases of ${seconds} s after a 2 s warm-up; Conclave from dist/ with LOG_LEVEL=warn; pools of 10 connections in Conclave and the baseline`,
    '',
    row(['scenario', 'measure', 'Conclave', 'baseline', 'ratio', 'target', '']),
    row(['---', '---', '---:', '---:', '---:', '---', '---']),
    ...checks.map((c) =>
      row([c.scenario, c.measure, c.conclave, c.baseline, c.ratio, c.target, verdict(c.met)]),
    ),
    '',
    '## Scenarios',
    '',
    ...summaries.map((line) => `- ${line}`),
    '',
    '## Where the CPU went',
    '',
    'Cores busy on average during each measured phase: the server process, the PostgreSQL backends of its',
    'pool, the load generator (autocannon and the signer, in a process of its own for the phase), and the whole machine',
    '(which includes anything else running on it).',
    '',
    row(['phase', 'req/s', 'server', 'PostgreSQL', 'generator', 'machine']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    ...phases.map((p) =>
      row([
        p.phase,
        fixed(p.requestsPerSecond),
        fixed(p.cpu.server, 2),
        fixed(p.cpu.postgres, 2),
        fixed(p.cpu.generator, 2),
        `${fixed(p.cpu.machine, 2)} / ${m.cores}`,
      ]),
    ),
    '',
    analysis.trim(),
    '',
  ].join('\n');
}
