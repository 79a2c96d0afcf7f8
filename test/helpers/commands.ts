// Builders for commands as the edge would make them, with a clock the test controls.

import { monotonicFactory } from 'ulid';
import type {
  EndCall,
  EndConference,
  JoinConference,
  LeaveConference,
  RoomCommand,
  UpdateParticipant,
} from '../../src/domain/commands.js';
import type { JoinAttributes, ParticipantFlags } from '../../src/domain/events.js';

export const defaultAttributes: JoinAttributes = {
  label: null,
  muted: false,
  beep: 'true',
  startConferenceOnEnter: true,
  endConferenceOnExit: false,
  callSidToCoach: null,
  maxParticipants: 250,
  region: null,
  record: 'do-not-record',
  trim: 'trim-silence',
};

export const defaultFlags: ParticipantFlags = {
  muted: false,
  hold: false,
  coaching: false,
  callSidToCoach: null,
  endConferenceOnExit: false,
};

export function callSid(n: number): string {
  return `CA${n.toString(16).padStart(32, '0')}`;
}

/** Mints command ids and times from a clock that advances one second per command. */
export class Clock {
  private readonly mint = monotonicFactory();
  constructor(private ms = Date.UTC(2026, 10, 26, 9, 0, 0)) {}

  next(): { id: string; at: string } {
    this.ms += 1000;
    return { id: this.mint(this.ms), at: new Date(this.ms).toISOString() };
  }

  now(): number {
    return this.ms;
  }
}

export function commands(clock = new Clock()) {
  return {
    clock,
    join(
      call: string,
      friendlyName: string,
      attributes: Partial<JoinAttributes> = {},
      extra: Partial<JoinConference['data']> = {},
    ): JoinConference {
      return {
        type: 'JoinConference',
        ...clock.next(),
        data: {
          callSid: call,
          friendlyName,
          from: '+15550100',
          to: '+15550199',
          attributes: { ...defaultAttributes, ...attributes },
          via: 'voice',
          sequenceNumber: null,
          ...extra,
        },
      };
    },
    leave(
      call: string,
      reason: LeaveConference['data']['reason'] = 'dial-ended',
      sequenceNumber: number | null = null,
    ): LeaveConference {
      return { type: 'LeaveConference', ...clock.next(), data: { callSid: call, reason, sequenceNumber } };
    },
    hangUp(call: string, callStatus: EndCall['data']['callStatus'] = 'completed'): EndCall {
      return { type: 'EndCall', ...clock.next(), data: { callSid: call, callStatus } };
    },
    update(
      call: string,
      flags: Partial<ParticipantFlags>,
      sequenceNumber: number | null = null,
    ): UpdateParticipant {
      return {
        type: 'UpdateParticipant',
        ...clock.next(),
        data: { callSid: call, flags: { ...defaultFlags, ...flags }, sequenceNumber },
      };
    },
    endConference(data: Partial<EndConference['data']> = {}): EndConference {
      return {
        type: 'EndConference',
        ...clock.next(),
        data: {
          conferenceSid: null,
          reason: 'conference-ended-via-api',
          callSidEndingConference: null,
          reportedAt: null,
          ...data,
        },
      };
    },
  } satisfies Record<string, unknown>;
}

export type Commands = ReturnType<typeof commands>;
export type { RoomCommand };
