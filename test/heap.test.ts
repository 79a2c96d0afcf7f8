import { describe, expect, it } from 'vitest';
import { heapFlags } from '../src/heap.js';

describe('the heap growth the server asks V8 for at start-up', () => {
  it('is a growth factor of 1.2 when the operator gave none', () => {
    expect(heapFlags([])).toEqual(['--heap-growing-percent=20']);
    expect(heapFlags(['--enable-source-maps'])).toEqual(['--heap-growing-percent=20']);
  });

  it('is nothing when the operator gave their own, which stays in place', () => {
    expect(heapFlags(['--heap-growing-percent=50'])).toEqual([]);
    expect(heapFlags(['--heap-growing-percent', '50'])).toEqual([]);
  });
});
