// How the server's heap is collected. Two V8 settings, each measured in bench/analysis.md:
// - Old-generation growth. V8 lets the old generation grow to several times what survived the last full
//   collection before it collects again; under a steady webhook load almost everything promoted there is
//   garbage already (requests that were in flight for a few tens of milliseconds), so the process held two
//   to three times its live data. A growth factor of 1.2 keeps the peak near what is live, for about 2 % of
//   ingest throughput.
// - No allocation-site pretenuring. V8 learns, per allocation site, whether the objects made there tend to
//   survive a young collection, and from then on makes them in the old generation. A list page's rows,
//   dates and strings live for the few milliseconds their request is in flight: when a site was judged
//   long-lived early, they all went to the old generation and every collection was a full one; the server
//   then took a third more CPU per page and its p99 doubled, in about half of the runs. Without it, every
//   run is the good one.

import v8 from 'node:v8';

interface Setting {
  /** The flag's name, without `--` or `--no-`. */
  name: string;
  /** The flag as set when the operator gave none. */
  flag: string;
}

const SETTINGS: Setting[] = [
  { name: 'heap-growing-percent', flag: '--heap-growing-percent=20' },
  { name: 'allocation-site-pretenuring', flag: '--no-allocation-site-pretenuring' },
];

/** Whether the operator gave flag `name` in any of V8's spellings: `_` for `-`, `--no-` or `--no` to negate. */
function given(execArgv: readonly string[], name: string): boolean {
  return execArgv.some((arg) => {
    if (!arg.startsWith('--')) return false;
    const flag = (arg.slice(2).split('=', 1)[0] ?? '').replaceAll('_', '-');
    return flag === name || flag === `no-${name}` || flag === `no${name}`;
  });
}

/** The V8 flags to set at start-up, given the process's own flags: an operator's own setting wins. */
export function heapFlags(execArgv: readonly string[]): string[] {
  return SETTINGS.filter(({ name }) => !given(execArgv, name)).map(({ flag }) => flag);
}

/**
 * Applies `heapFlags` to this process. V8 reads the growth factor at each collection and the pretenuring
 * flag whenever it weighs an allocation site, so both hold from now on; the few sites judged before then
 * are not many enough to matter (measured with the flags given on the command line instead: the same).
 */
export function keepHeapSmall(): void {
  for (const flag of heapFlags(process.execArgv)) v8.setFlagsFromString(flag);
}
