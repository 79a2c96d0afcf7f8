// How the server's heap may grow. V8 lets the old generation grow to several times what survived the last
// full collection before it collects again; under a steady webhook load almost everything promoted there is
// garbage already (requests that were in flight for a few tens of milliseconds), so the process held two
// to three times its live data. A growth factor of 1.2 keeps the peak near what is live, for about 2 % of
// ingest throughput (bench/analysis.md).

import v8 from 'node:v8';

const FLAG = '--heap-growing-percent';
const HEAP_GROWING_PERCENT = 20;

/** The V8 flags to set at start-up, given the process's own flags: an operator's own setting wins. */
export function heapFlags(execArgv: readonly string[]): string[] {
  return execArgv.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`))
    ? []
    : [`${FLAG}=${HEAP_GROWING_PERCENT}`];
}

/** Applies `heapFlags` to this process; V8 reads the factor at each collection, so it holds from now on. */
export function keepHeapSmall(): void {
  for (const flag of heapFlags(process.execArgv)) v8.setFlagsFromString(flag);
}
