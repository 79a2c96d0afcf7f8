import { describe, expect, it } from 'vitest';
import { heapFlags } from '../src/heap.js';

describe('the heap settings the server asks V8 for at start-up', () => {
  it('are a growth factor of 1.2 and no pretenuring when the operator gave neither', () => {
    const defaults = ['--heap-growing-percent=20', '--no-allocation-site-pretenuring'];
    expect(heapFlags([])).toEqual(defaults);
    expect(heapFlags(['--enable-source-maps'])).toEqual(defaults);
  });

  it('leave in place a growth factor the operator gave', () => {
    expect(heapFlags(['--heap-growing-percent=50'])).toEqual(['--no-allocation-site-pretenuring']);
    expect(heapFlags(['--heap-growing-percent', '50'])).toEqual(['--no-allocation-site-pretenuring']);
  });

  it('leave pretenuring as the operator asked, on or off', () => {
    expect(heapFlags(['--allocation-site-pretenuring'])).toEqual(['--heap-growing-percent=20']);
    expect(heapFlags(['--no-allocation-site-pretenuring'])).toEqual(['--heap-growing-percent=20']);
  });

  it("recognise V8's other spellings of a flag: underscores, and --no without a dash", () => {
    expect(heapFlags(['--heap_growing_percent=50'])).toEqual(['--no-allocation-site-pretenuring']);
    expect(heapFlags(['--noallocation_site_pretenuring'])).toEqual(['--heap-growing-percent=20']);
    expect(heapFlags(['--allocation-site-pretenuring-extra'])).toEqual([
      '--heap-growing-percent=20',
      '--no-allocation-site-pretenuring',
    ]);
  });
});
