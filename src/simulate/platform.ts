// The telephony platform's side of one conference instance, as far as the callbacks need it: its own
// conference Sid, its SequenceNumber counter, and who it has connected with which flags.

import { randomBytes } from 'node:crypto';
import { rfc2822 } from '../rfc2822.js';
import type { Form } from './sender.js';

export interface Caller {
  callSid: string;
  from: string;
  label: string | null;
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  /** The <Conference> attributes the caller's voice URL carries. */
  attributes: Form;
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export class PlatformConference {
  readonly sid = `CF${hex(16)}`;
  readonly recordingSid = `RE${hex(16)}`;
  readonly openedAt = rfc2822(new Date());
  readonly present = new Map<string, Caller>();
  started = false;
  private sequence = 0;

  constructor(
    readonly accountSid: string,
    readonly friendlyName: string,
  ) {}

  /** The next callback of this conference; SequenceNumbers follow the order the platform saw things in. */
  callback(event: string, extra: Form = {}): Form {
    this.sequence += 1;
    return {
      AccountSid: this.accountSid,
      ConferenceSid: this.sid,
      FriendlyName: this.friendlyName,
      StatusCallbackEvent: event,
      SequenceNumber: String(this.sequence),
      Timestamp: rfc2822(new Date()),
      ...extra,
    };
  }

  participantCallback(event: string, caller: Caller, extra: Form = {}): Form {
    return this.callback(event, {
      CallSid: caller.callSid,
      Muted: String(caller.muted),
      Hold: String(caller.hold),
      Coaching: String(caller.coaching),
      EndConferenceOnExit: String(caller.endConferenceOnExit),
      StartConferenceOnEnter: String(caller.startConferenceOnEnter),
      ...(caller.label === null ? {} : { ParticipantLabel: caller.label }),
      ...extra,
    });
  }

  /** True when this join starts the conference: two present, one of them allowed to start it. */
  joined(caller: Caller): boolean {
    this.present.set(caller.callSid, caller);
    const present = [...this.present.values()];
    if (this.started || present.length < 2 || !present.some((c) => c.startConferenceOnEnter)) return false;
    this.started = true;
    return true;
  }
}
