// The id and time of a command, from one reading of the clock: the ULID carries the same millisecond as `at`.

import { ulid } from 'ulid';

export function mintCommandId(now: number): { id: string; at: string } {
  // Not ulid's monotonicFactory: within one millisecond it steps ids by one, and the store numbers a
  // command's events from its id upwards, so two commands in the same millisecond would claim one event id.
  return { id: ulid(now), at: new Date(now).toISOString() };
}
