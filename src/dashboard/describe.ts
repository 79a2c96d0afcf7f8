// Events told in words: one line per event for a conference's timeline and for the live feed's
// announcements. A participant update carries the whole set of flags, so what changed is found by
// comparing with the flags the same call had before, where the history at hand shows them.

import type {
  JoinRejectionReason,
  LeaveReason,
  ParticipantFlags,
  REASONS_CONFERENCE_ENDED,
  RoomEvent,
} from '../domain/events.js';

const JOIN_REJECTION_TEXT: Record<JoinRejectionReason, string> = {
  'conference-full': 'the conference was full',
  'call-ended': 'the call had ended',
  'duplicate-label': 'its label was in use',
  'coach-not-connected': 'the call to coach was not connected',
  'invalid-attribute': 'an attribute was invalid',
};

export type EntryKind = 'conference' | 'join' | 'leave' | 'change' | 'refused';

export interface Description {
  kind: EntryKind;
  text: string;
}

const LEAVE_REASONS: Record<LeaveReason, string> = {
  'hung-up': 'hung up',
  'dial-ended': 'left (the dial ended)',
  left: 'left',
  moved: 'moved to another conference',
  'conference-ended': 'left as the conference ended',
  'timed-out': 'was ended by Conclave after the longest possible call (its leave never arrived)',
};

const END_REASONS: Record<(typeof REASONS_CONFERENCE_ENDED)[number], string> = {
  'conference-ended-via-api': 'ended by the platform',
  'participant-with-end-conference-on-exit-left': 'the moderator left',
  'participant-with-end-conference-on-exit-kicked': 'the moderator was removed',
  'last-participant-kicked': 'the last participant was removed',
  'last-participant-left': 'the last participant left',
};

/** Each flag's words when it turns on and when it turns off. */
const FLAG_CHANGES: [keyof ParticipantFlags, string, string][] = [
  ['muted', 'was muted', 'was unmuted'],
  ['hold', 'was put on hold', 'was taken off hold'],
  ['coaching', 'started coaching', 'stopped coaching'],
  ['endConferenceOnExit', 'became a moderator', 'is no longer a moderator'],
];

/** Why a conference ended, in words, where it is known. */
export function endReasonText(reason: string | null): string | null {
  if (reason === null) return null;
  return Object.hasOwn(END_REASONS, reason) ? END_REASONS[reason as keyof typeof END_REASONS] : reason;
}

export function leaveReasonText(reason: string | null): string {
  return (reason !== null && LEAVE_REASONS[reason as LeaveReason]) || 'left';
}

export interface Mark {
  flag: 'muted' | 'on hold' | 'coaching' | 'moderator';
  text: string;
}

/** The flags that are on, as marks: what the dashboard shows beside a participant. A coach's mark names
 * whom they coach, where that is known. */
export function flagMarks(
  flags: Omit<ParticipantFlags, 'callSidToCoach'>,
  coached: string | null = null,
): Mark[] {
  const marks: Mark[] = [];
  if (flags.muted) marks.push({ flag: 'muted', text: 'muted' });
  if (flags.hold) marks.push({ flag: 'on hold', text: 'on hold' });
  if (flags.coaching)
    marks.push({ flag: 'coaching', text: coached === null ? 'coaching' : `coaching ${coached}` });
  if (flags.endConferenceOnExit) marks.push({ flag: 'moderator', text: 'moderator' });
  return marks;
}

/**
 * What is known of the calls met so far in a history: their names (label, else number) from their joins
 * and their latest flags. Describing events in order through one of these tells changes, not states.
 */
export class Narrator {
  private readonly names = new Map<string, string>();
  private readonly flags = new Map<string, ParticipantFlags>();

  name(callSid: string, name: string): void {
    this.names.set(callSid, name);
  }

  /** A call's label, else its number, else its Sid. */
  who(callSid: string): string {
    return this.names.get(callSid) ?? callSid;
  }

  private marks(flags: ParticipantFlags): string[] {
    const coached = flags.callSidToCoach === null ? null : this.who(flags.callSidToCoach);
    return flagMarks(flags, coached).map((mark) => mark.text);
  }

  describe(event: RoomEvent): Description {
    switch (event.type) {
      case 'ConferenceOpened': {
        const { region } = event.data;
        return { kind: 'conference', text: `Conference opened${region === null ? '' : ` in ${region}`}` };
      }
      case 'ConferenceStarted':
        return { kind: 'conference', text: 'Conference started' };
      case 'ParticipantJoined': {
        const d = event.data;
        const name = d.label ?? d.from;
        if (name !== null) this.name(d.callSid, name);
        this.flags.set(d.callSid, d);
        const marks = this.marks(d);
        const number = d.label !== null && d.from !== null ? ` from ${d.from}` : '';
        const detail = marks.length === 0 ? '' : ` (${marks.join(', ')})`;
        return { kind: 'join', text: `${this.who(d.callSid)} joined${number}${detail}` };
      }
      case 'ParticipantUpdated': {
        const d = event.data;
        const before = this.flags.get(d.callSid);
        this.flags.set(d.callSid, d);
        const who = this.who(d.callSid);
        if (before === undefined) {
          const marks = this.marks(d);
          return {
            kind: 'change',
            text: `${who} is now ${marks.length === 0 ? 'unflagged' : marks.join(', ')}`,
          };
        }
        const changes = FLAG_CHANGES.filter(([flag]) => before[flag] !== d[flag]).map(([flag, on, off]) =>
          d[flag] ? on : off,
        );
        if (changes.length === 0) return { kind: 'change', text: `${who} was updated, nothing changed` };
        return { kind: 'change', text: `${who} ${changes.join(' and ')}` };
      }
      case 'ParticipantLeft':
        return {
          kind: 'leave',
          text: `${this.who(event.data.callSid)} ${leaveReasonText(event.data.reason)}`,
        };
      case 'ConferenceEnded': {
        const { reason, callSidEndingConference } = event.data;
        const why = endReasonText(reason);
        const by = callSidEndingConference === null ? '' : ` (${this.who(callSidEndingConference)})`;
        return { kind: 'conference', text: `Conference ended${why === null ? '' : `: ${why}`}${by}` };
      }
      case 'JoinRejected': {
        const { reason, code, detail } = event.data;
        const why = detail ?? JOIN_REJECTION_TEXT[reason];
        const twilio = code === undefined ? '' : ` (Twilio ${code})`;
        return { kind: 'refused', text: `${this.who(event.data.callSid)} was turned away: ${why}${twilio}` };
      }
      case 'ConferenceSidReported':
        return { kind: 'conference', text: `The platform reported its Sid ${event.data.platformSid}` };
      case 'ConferenceEndCorrected': {
        const { reason, callSidEndingConference } = event.data;
        const by = callSidEndingConference === null ? '' : ` (${this.who(callSidEndingConference)})`;
        return {
          kind: 'conference',
          text: `The platform says it ended: ${endReasonText(reason)}${by}`,
        };
      }
      case 'RecordingReported': {
        const { recordingSid, status, duration } = event.data;
        const length = duration === null ? '' : `, ${duration} s`;
        return { kind: 'conference', text: `Recording ${recordingSid} ${status}${length}` };
      }
      case 'CallEnded':
        return {
          kind: 'leave',
          text: `${this.who(event.data.callSid)}'s call ended (${event.data.callStatus})`,
        };
      case 'UnknownCallLeft':
        return { kind: 'leave', text: `${this.who(event.data.callSid)} left before joining was seen` };
      case 'ParticipantUpdateArrivedEarly':
        return {
          kind: 'change',
          text: `${this.who(event.data.callSid)}'s flags came before its join was seen: kept for the join`,
        };
    }
  }
}
