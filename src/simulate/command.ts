// `conclave simulate` in the terminal: a progress line on stderr while it runs, the summary on stdout, and
// exit status 1 when any request failed or a repeated delivery was answered differently.

import type { SimulationOptions } from './options.js';
import { progressLine, summaryLines } from './report.js';
import { type Progress, simulate } from './simulate.js';

const PLAIN_PROGRESS_EVERY_S = 5;

export async function runSimulation(
  options: SimulationOptions,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Promise<number> {
  let shownAt = Number.NEGATIVE_INFINITY;
  const show = (progress: Progress) => {
    if (stderr.isTTY) {
      stderr.write(`\r${progressLine(progress)}\u001b[K`);
    } else if (progress.seconds - shownAt >= PLAIN_PROGRESS_EVERY_S) {
      // Without a terminal to redraw on, an occasional line rather than one per tick.
      shownAt = progress.seconds;
      stderr.write(`${progressLine(progress)}\n`);
    }
  };
  const result = await simulate(options, show);
  if (stderr.isTTY) stderr.write('\n');
  const target = options.publicUrl === options.url ? options.url : `${options.url} as ${options.publicUrl}`;
  stdout.write(`${summaryLines(result, target).join('\n')}\n`);
  return result.tally.failed === 0 && result.tally.inconsistent === 0 ? 0 : 1;
}
