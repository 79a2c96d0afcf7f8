// The one place the conformance suite fills Conclave. The edge below plays the telephony platform: calls
// join rooms, are muted or held, leave and hang up. Today each step goes to the store through
// handleCommand, with the commands the webhook plugin builds from those webhooks; switching the suite to
// signed webhooks against the listening server means changing this file only.

import type { Database } from '../../src/store/database.js';
import { apply } from '../api/seed.js';
import { Clock, type Commands, commands } from '../helpers/commands.js';

export interface JoinOptions {
  label?: string;
  muted?: boolean;
  startConferenceOnEnter?: boolean;
  endConferenceOnExit?: boolean;
  /** The CallSid this call coaches. */
  coach?: string;
  from?: string;
  to?: string;
}

export class Edge {
  private commands: Commands;

  constructor(
    private readonly database: Database,
    private readonly accountSid: string,
    start: number,
  ) {
    this.commands = commands(new Clock(start));
  }

  /** Goes on at a later time: the calls that follow happen from `ms` on, a second apart. */
  at(ms: number): void {
    this.commands = commands(new Clock(ms));
  }

  /** The call's voice webhook, answered with <Dial><Conference>room</Conference></Dial>. */
  async join(call: string, room: string, options: JoinOptions = {}): Promise<void> {
    const { label, muted, startConferenceOnEnter, endConferenceOnExit, coach, from, to } = options;
    const attributes = {
      ...(label === undefined ? {} : { label }),
      ...(muted === undefined ? {} : { muted }),
      ...(startConferenceOnEnter === undefined ? {} : { startConferenceOnEnter }),
      ...(endConferenceOnExit === undefined ? {} : { endConferenceOnExit }),
      ...(coach === undefined ? {} : { callSidToCoach: coach }),
    };
    const numbers = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
    await this.send(this.commands.join(call, room, attributes, numbers));
  }

  /** The conference callback for a participant-mute, -hold or -modify. */
  async update(call: string, flags: { muted?: boolean; hold?: boolean; coaching?: boolean }): Promise<void> {
    await this.send(this.commands.update(call, flags));
  }

  /** The <Dial action> request: the call left its conference and goes on. */
  async leave(call: string): Promise<void> {
    await this.send(this.commands.leave(call));
  }

  /** The call's status callback with CallStatus=completed. */
  async hangUp(call: string): Promise<void> {
    await this.send(this.commands.hangUp(call));
  }

  private async send(command: Parameters<typeof apply>[2][number]): Promise<void> {
    await apply(this.database, this.accountSid, [command]);
  }
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** The first of the three days the scenario spreads over. */
export const FIRST_DAY = Date.UTC(2026, 10, 23);

const call = (n: number) => `CA${n.toString(16).padStart(32, '0')}`;

/** The participants of the conferences the tests look into. */
export const CALLS = {
  host: call(0x1001),
  guest: call(0x1002),
  coach: call(0x1003),
  departed: call(0x1004),
  waiting: call(0x1005),
  chair: call(0x1006),
  member: call(0x1007),
  early: call(0x1008),
  late: call(0x1009),
};
export const GUEST_LABEL = 'guest one';

/** How many conferences the scenario opens. */
export const CONFERENCE_COUNT = 259;

/**
 * 255 short calls over two days, one conference spanning midnight, and on the third day a live
 * conference with a host, a muted and held guest and a coach, a conference waiting for its second
 * caller, and one ended by its chair leaving.
 */
export async function populate(database: Database, accountSid: string): Promise<void> {
  const edge = new Edge(database, accountSid, FIRST_DAY + 9 * 60 * 60 * 1000);
  const shortCall = async (i: number) => {
    await edge.join(call(i + 1), `load-${i}`, { from: `+1555000${String(i).padStart(4, '0')}` });
    await edge.hangUp(call(i + 1));
  };
  // Calls in different rooms are independent, so they may run side by side, as they would on the edge;
  // each join takes its time from the clock as it starts, so creation order is the order below.
  await Promise.all(Array.from({ length: 130 }, (_, i) => shortCall(i)));
  edge.at(FIRST_DAY + DAY_MS + 9 * 60 * 60 * 1000);
  await Promise.all(Array.from({ length: 125 }, (_, i) => shortCall(130 + i)));
  edge.at(FIRST_DAY + 2 * DAY_MS - 20_000);
  await edge.join(CALLS.early, 'overnight');
  await edge.join(CALLS.late, 'overnight');
  edge.at(FIRST_DAY + 2 * DAY_MS + 10_000);
  await edge.leave(CALLS.early);
  await edge.leave(CALLS.late);

  edge.at(FIRST_DAY + 2 * DAY_MS + 10 * 60 * 60 * 1000);
  await edge.join(CALLS.host, 'standup', { label: 'host', from: '+15551230001' });
  await edge.join(CALLS.guest, 'standup', { label: GUEST_LABEL, muted: true, from: '+15551230002' });
  await edge.join(CALLS.coach, 'standup', { label: 'coach', coach: CALLS.host });
  await edge.join(CALLS.departed, 'standup');
  await edge.hangUp(CALLS.departed);
  await edge.update(CALLS.guest, { muted: true, hold: true });
  await edge.join(CALLS.waiting, 'lobby', { startConferenceOnEnter: false });
  await edge.join(CALLS.chair, 'board', { endConferenceOnExit: true });
  await edge.join(CALLS.member, 'board');
  await edge.leave(CALLS.chair);
}
