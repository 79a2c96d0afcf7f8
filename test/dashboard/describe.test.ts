// Events told in words, for timelines and live announcements: what changed, not only what is.

import { describe, expect, it } from 'vitest';
import { Narrator } from '../../src/dashboard/describe.js';
import type { RoomEvent } from '../../src/domain/events.js';
import { callSid, defaultFlags } from '../helpers/commands.js';

const CF = `CF${'1'.repeat(32)}`;
const AT = '2026-01-01T00:00:00.000Z';
const joined = (n: number, label: string | null, flags: Partial<typeof defaultFlags> = {}): RoomEvent => ({
  type: 'ParticipantJoined',
  data: {
    ...defaultFlags,
    ...flags,
    conferenceSid: CF,
    callSid: callSid(n),
    from: `+1555000${n}`,
    to: null,
    label,
    beep: 'true',
    startConferenceOnEnter: true,
    sequenceNumber: null,
    at: AT,
  },
});
const updated = (n: number, flags: Partial<typeof defaultFlags>): RoomEvent => ({
  type: 'ParticipantUpdated',
  data: { ...defaultFlags, ...flags, conferenceSid: CF, callSid: callSid(n), sequenceNumber: null, at: AT },
});

describe('Narrator', () => {
  it('names calls by label, else number, and tells what each update changed', () => {
    const narrator = new Narrator();
    const told = [
      joined(1, 'chair', { endConferenceOnExit: true }),
      joined(2, null, { coaching: true, callSidToCoach: callSid(1), muted: true }),
      updated(2, { coaching: true, callSidToCoach: callSid(1), muted: false, hold: true }),
      updated(2, { coaching: false, hold: true }),
      updated(2, { hold: true }),
      updated(1, { endConferenceOnExit: false }),
    ].map((event) => narrator.describe(event).text);
    expect(told).toEqual([
      'chair joined from +15550001 (moderator)',
      '+15550002 joined (muted, coaching chair)',
      '+15550002 was unmuted and was put on hold',
      '+15550002 stopped coaching',
      '+15550002 was updated, nothing changed',
      'chair is no longer a moderator',
    ]);
  });

  it('tells the state where the history at hand does not show the call before', () => {
    expect(new Narrator().describe(updated(3, { muted: true, hold: true })).text).toBe(
      `${callSid(3)} is now muted, on hold`,
    );
  });

  it('tells leaves, refusals, ended calls and how a conference ended', () => {
    const narrator = new Narrator();
    narrator.name(callSid(4), 'desk');
    const told = (
      [
        {
          type: 'JoinRejected',
          data: { callSid: callSid(4), reason: 'conference-full', conferenceSid: CF, at: AT },
        },
        {
          type: 'JoinRejected',
          data: { callSid: callSid(4), reason: 'call-ended', conferenceSid: null, at: AT },
        },
        {
          type: 'ParticipantLeft',
          data: { conferenceSid: CF, callSid: callSid(4), reason: 'moved', sequenceNumber: null, at: AT },
        },
        { type: 'CallEnded', data: { callSid: callSid(4), callStatus: 'busy', at: AT } },
        { type: 'UnknownCallLeft', data: { callSid: callSid(5), sequenceNumber: null, at: AT } },
        {
          type: 'ConferenceEnded',
          data: {
            conferenceSid: CF,
            reason: 'conference-ended-via-api',
            callSidEndingConference: null,
            at: AT,
          },
        },
        {
          type: 'ConferenceEnded',
          data: { conferenceSid: CF, reason: null, callSidEndingConference: null, at: AT },
        },
      ] satisfies RoomEvent[]
    ).map((event) => narrator.describe(event));
    expect(told).toEqual([
      { kind: 'refused', text: 'desk was turned away: the conference was full' },
      { kind: 'refused', text: 'desk was turned away: the call had ended' },
      { kind: 'leave', text: 'desk moved to another conference' },
      { kind: 'leave', text: "desk's call ended (busy)" },
      { kind: 'leave', text: `${callSid(5)} left before joining was seen` },
      { kind: 'conference', text: 'Conference ended: ended by the platform' },
      { kind: 'conference', text: 'Conference ended' },
    ]);
  });
});
