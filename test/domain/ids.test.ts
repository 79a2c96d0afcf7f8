import fc from 'fast-check';
import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  conferenceSidFromUlid,
  conferenceSidLowerBound,
  hexToUlid,
  isSid,
  isUlid,
  nextUlid,
  ulidToHex,
} from '../../src/domain/ids.js';

const ulid = fc.ulid();

describe('conference Sids from ULIDs', () => {
  it('maps a ULID onto CF and the 32 hex digits of its 128 bits', () => {
    expect(conferenceSidFromUlid('00000000000000000000000000')).toBe(`CF${'0'.repeat(32)}`);
    expect(conferenceSidFromUlid('0000000000000000000000001Z')).toBe(`CF${'0'.repeat(30)}3f`);
    expect(conferenceSidFromUlid('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe(`CF${'f'.repeat(32)}`);
    expect(conferenceSidFromUlid('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('CF01563e3ab5d3d6764c61efb99302bd5b');
  });

  it('gives a valid conference Sid for every ULID', () => {
    fc.assert(fc.property(ulid, (u) => isSid('CF', conferenceSidFromUlid(u))));
  });

  it('reads the ULID back from its hex digits, in either case', () => {
    fc.assert(
      fc.property(ulid, (u) => {
        expect(hexToUlid(ulidToHex(u))).toBe(u);
        expect(hexToUlid(ulidToHex(u).toUpperCase())).toBe(u);
      }),
    );
    expect(() => hexToUlid('f'.repeat(31))).toThrow(RangeError);
  });

  it('sorts Sids as their ULIDs sort, so Sids sort by creation time', () => {
    fc.assert(
      fc.property(ulid, ulid, (a, b) => {
        expect(conferenceSidFromUlid(a) < conferenceSidFromUlid(b)).toBe(a < b);
      }),
    );
  });

  it('bounds from below the Sids of every ULID minted at or after a time', () => {
    fc.assert(
      fc.property(ulid, fc.integer({ min: 0, max: 2 ** 48 - 1 }), (u, ms) => {
        expect(conferenceSidFromUlid(u) >= conferenceSidLowerBound(ms)).toBe(decodeTime(u) >= ms);
      }),
    );
  });

  it('rejects what is not a ULID rather than mapping it', () => {
    expect(() => ulidToHex('01ARZ3NDEKTSV4RRFFQ69G5FAU')).toThrow(RangeError);
  });
});

describe('the ULIDs of one command', () => {
  it('counts on from the command ULID, in order and without gaps', () => {
    fc.assert(
      fc.property(ulid, fc.integer({ min: 0, max: 20 }), (u, steps) => {
        const next = nextUlid(u, steps);
        expect(BigInt(`0x${ulidToHex(next)}`) - BigInt(`0x${ulidToHex(u)}`)).toBe(BigInt(steps));
        expect(isUlid(next)).toBe(true);
      }),
    );
  });

  it('steps across a base-32 digit', () => {
    expect(nextUlid('0000000000000000000000000Z')).toBe('00000000000000000000000010');
  });

  it('carries past the low fifty bits into the rest', () => {
    expect(nextUlid('01ARZ3NDEKTSVZZZZZZZZZZZZZ')).toBe('01ARZ3NDEKTSW0000000000000');
    expect(nextUlid('01ARZ3NDEKTSVZZZZZZZZZZZZX', 5)).toBe('01ARZ3NDEKTSW0000000000002');
    fc.assert(
      fc.property(ulid, fc.integer({ min: 0, max: 2 ** 40 }), (u, steps) => {
        const next = nextUlid(u, steps);
        expect(BigInt(`0x${ulidToHex(next)}`) - BigInt(`0x${ulidToHex(u)}`)).toBe(BigInt(steps));
      }),
    );
  });

  it('refuses what is not a ULID, or steps that are not a count', () => {
    expect(() => nextUlid('01ARZ3NDEKTSV4RRFFQ69G5FAU')).toThrow(RangeError);
    for (const steps of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => nextUlid('01ARZ3NDEKTSV4RRFFQ69G5FAV', steps)).toThrow(RangeError);
    }
  });
});

describe('formats', () => {
  it.each([
    ['CF', `CF${'a'.repeat(32)}`, true],
    ['CA', `CA${'0123456789ABCDEF'.repeat(2)}`, true],
    ['CA', `CF${'a'.repeat(32)}`, false],
    ['AC', `AC${'a'.repeat(31)}`, false],
    ['AC', `AC${'a'.repeat(33)}`, false],
    ['CF', `CF${'g'.repeat(32)}`, false],
  ] as const)('isSid(%s, %s) is %s', (prefix, value, expected) => {
    expect(isSid(prefix, value)).toBe(expected);
  });

  it.each([
    ['01ARZ3NDEKTSV4RRFFQ69G5FAV', true],
    ['7ZZZZZZZZZZZZZZZZZZZZZZZZZ', true],
    ['8ZZZZZZZZZZZZZZZZZZZZZZZZZ', false],
    ['01arz3ndektsv4rrffq69g5fav', false],
    ['01ARZ3NDEKTSV4RRFFQ69G5FA', false],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAI', false],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAL', false],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAO', false],
  ] as const)('isUlid(%s) is %s', (value, expected) => {
    expect(isUlid(value)).toBe(expected);
  });
});
