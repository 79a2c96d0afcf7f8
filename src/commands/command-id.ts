// The id and time of a command, from one reading of the clock: the ULID carries the same millisecond as `at`.

import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

// ulid's own source of randomness is looked up again for every id and asks the operating system for one
// byte per character, sixteen calls per id, which the write path's profile showed as a tenth of the server's busy time; this one draws them from
// a pool filled a few kilobytes at a time, from the same cryptographic source.
const pool = Buffer.alloc(4096);
let next = pool.length;

function randomFraction(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return (pool[next++] as number) / 256;
}

export function mintCommandId(now: number): { id: string; at: string } {
  // Not ulid's monotonicFactory: within one millisecond it steps ids by one, and the store numbers a
  // command's events from its id upwards, so two commands in the same millisecond would claim one event id.
  return { id: ulid(now, randomFraction), at: new Date(now).toISOString() };
}
