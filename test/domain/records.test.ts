import { describe, expect, it } from 'vitest';
import { withEntry, withoutEntry } from '../../src/domain/records.js';

describe('records keyed by Sid', () => {
  it('puts an entry in or takes one out of a copy, leaving the record it was given as it was', () => {
    const before = { CA1: 1, CA2: 2 };
    const added = withEntry(before, 'CA3', 3);
    const replaced = withEntry(added, 'CA1', 10);
    const removed = withoutEntry(replaced, 'CA2');
    expect(before).toEqual({ CA1: 1, CA2: 2 });
    expect(added).toEqual({ CA1: 1, CA2: 2, CA3: 3 });
    expect(replaced).toEqual({ CA1: 10, CA2: 2, CA3: 3 });
    expect(removed).toEqual({ CA1: 10, CA3: 3 });
    expect(withoutEntry(removed, 'CA9')).toEqual(removed);
  });

  it('reads, iterates and serialises like the plain object it is stored as', () => {
    const record = withEntry(
      JSON.parse('{"CA1":{"muted":false}}') as Record<string, { muted: boolean }>,
      'CA2',
      {
        muted: true,
      },
    );
    expect(Object.keys(record)).toEqual(['CA1', 'CA2']);
    expect(JSON.parse(JSON.stringify(record))).toEqual({ CA1: { muted: false }, CA2: { muted: true } });
    // Names a plain object would inherit are only what the record holds.
    expect(record.toString).toBeUndefined();
    expect(withEntry(record, 'constructor', { muted: false }).constructor).toEqual({ muted: false });
  });
});
