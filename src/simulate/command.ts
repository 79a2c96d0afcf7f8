// `conclave simulate` in the terminal: a progress line on stderr while it runs, the summary on stdout, and
// exit status 1 when any request failed or a repeated delivery was answered differently.

import { progressDisplay } from '../progress.js';
import type { SimulationOptions } from './options.js';
import { progressLine, summaryLines } from './report.js';
import { type Progress, simulate } from './simulate.js';

export async function runSimulation(
  options: SimulationOptions,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Promise<number> {
  const display = progressDisplay(stderr, { firstAtOnce: true });
  const result = await simulate(options, (progress: Progress) => display.show(progressLine(progress)));
  display.end();
  const target = options.publicUrl === options.url ? options.url : `${options.url} as ${options.publicUrl}`;
  stdout.write(`${summaryLines(result, target).join('\n')}\n`);
  return result.tally.failed === 0 && result.tally.inconsistent === 0 ? 0 : 1;
}
