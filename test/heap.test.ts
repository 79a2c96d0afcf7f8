import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapFlags } from '../src/heap.js';

describe('the heap growth the server sets at start-up', () => {
  it('keeps the old generation near its live data unless the operator said otherwise', () => {
    expect(heapFlags([])).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
    expect(heapFlags(['--enable-source-maps'])).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });

  it("leaves an operator's own growth factor in place", () => {
    expect(heapFlags(['--heap-growing-percent=50'])).toEqual([]);
    expect(heapFlags(['--heap-growing-percent', '50'])).toEqual([]);
  });
});
