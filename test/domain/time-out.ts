// Builds the command the reaper sends, at a time the test chooses: a time-out is about hours passing, which
// the one-second steps of the command clock would take thousands of commands to reach.

import { ulid } from 'ulid';
import type { TimeOutParticipant } from '../../src/domain/commands.js';

export const FOUR_HOURS = 4 * 60 * 60;

export function timeOut(
  call: string,
  conferenceSid: string,
  maxCallDuration: number,
  when: { id: string; at: string },
): TimeOutParticipant {
  return { type: 'TimeOutParticipant', ...when, data: { callSid: call, conferenceSid, maxCallDuration } };
}

/** The id and time of a command made `seconds` after `command`. */
export function later(command: { at: string }, seconds: number): { id: string; at: string } {
  const ms = Date.parse(command.at) + seconds * 1000;
  return { id: ulid(ms), at: new Date(ms).toISOString() };
}
