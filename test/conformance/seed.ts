// The one place the conformance suite fills Conclave: the edge below plays the telephony platform, sending
// signed webhooks as Twilio would (voice, conference callbacks, dial action, call status). It also keeps the
// app's clock, so that a scenario can spread its calls over several days.

import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.js';
import { type Form, webhookClient } from '../webhooks/client.js';

export interface JoinOptions {
  label?: string;
  muted?: boolean;
  startConferenceOnEnter?: boolean;
  endConferenceOnExit?: boolean;
  /** The CallSid this call coaches. */
  coach?: string;
  record?: boolean;
  from?: string;
  to?: string;
}

export class Edge {
  private ms: number;
  private readonly rooms = new Map<string, string>();
  private sequence = 0;
  private client: ReturnType<typeof webhookClient> | undefined;

  constructor(start: number) {
    this.ms = start;
  }

  /** The app's clock: every request the edge sends arrives a second after the one before. */
  readonly clock = (): number => {
    this.ms += 1000;
    return this.ms;
  };

  /** Sends to this app from now on. */
  attach(t: TestApp): void {
    this.client = webhookClient(t);
  }

  /** Goes on at a later time: the calls that follow happen from `ms` on, a second apart. */
  at(ms: number): void {
    this.ms = ms;
  }

  /** The call's voice webhook, answered with <Dial><Conference>room</Conference></Dial>. */
  async join(call: string, room: string, options: JoinOptions = {}): Promise<LightMyRequestResponse> {
    const query: Form = {};
    if (options.label !== undefined) query.participantLabel = options.label;
    if (options.muted !== undefined) query.muted = String(options.muted);
    if (options.startConferenceOnEnter !== undefined) {
      query.startConferenceOnEnter = String(options.startConferenceOnEnter);
    }
    if (options.endConferenceOnExit !== undefined)
      query.endConferenceOnExit = String(options.endConferenceOnExit);
    if (options.coach !== undefined) query.coach = options.coach;
    if (options.record) query.record = 'record-from-start';
    const request = this.sender().requests.voice(call, room, query);
    if (options.from !== undefined) request.form.From = options.from;
    if (options.to !== undefined) request.form.To = options.to;
    this.rooms.set(call, room);
    const response = await this.sender().send(request);
    expectOk(response);
    return response;
  }

  /** The platform's participant-join for `call` in `room`, naming the conference by `conferenceSid`. */
  async reportJoin(call: string, room: string, conferenceSid: string): Promise<void> {
    this.sequence += 1;
    const extra = { ConferenceSid: conferenceSid };
    this.rooms.set(call, room);
    expectOk(await this.sender().participant('participant-join', room, call, this.sequence, {}, {}, extra));
  }

  /** The platform's conference-end for the conference `conferenceSid` of `room`. */
  async endConference(room: string, conferenceSid: string, reason: string): Promise<void> {
    const form = { ConferenceSid: conferenceSid, ReasonConferenceEnded: reason };
    expectOk(await this.sender().conference('conference-end', room, form));
  }

  /** A recording status callback, to the URL Conclave's TwiML gave for the room. */
  async recording(room: string, conferenceSid: string, recordingSid: string, status: string): Promise<void> {
    const form: Form = {
      AccountSid: this.sender().callForm('').AccountSid ?? '',
      ConferenceSid: conferenceSid,
      RecordingSid: recordingSid,
      RecordingStatus: status,
      RecordingUrl: `https://api.twilio.com/recordings/${recordingSid}`,
      RecordingChannels: '1',
      RecordingSource: 'Conference',
      RecordingStartTime: new Date(this.ms).toUTCString().replace('GMT', '+0000'),
      ...(status === 'completed' ? { RecordingDuration: '42' } : {}),
    };
    const options = { query: { FriendlyName: room } };
    expectOk(await this.sender().send({ path: '/webhooks/recording-status', form, options }));
  }

  /** The conference callback for a participant-hold (carrying every flag, as Twilio's do). */
  async update(call: string, flags: { muted?: boolean; hold?: boolean; coaching?: boolean }): Promise<void> {
    const room = this.rooms.get(call) ?? '';
    this.sequence += 1;
    expectOk(await this.sender().participant('participant-hold', room, call, this.sequence, flags));
  }

  /** The <Dial action> request: the call left its conference and goes on. */
  async leave(call: string): Promise<void> {
    const query = { FriendlyName: this.rooms.get(call) ?? '' };
    expectOk(await this.sender().dialAction(call, {}, { query }));
  }

  /** The call's status callback with CallStatus=completed. */
  async hangUp(call: string): Promise<void> {
    expectOk(await this.sender().callStatus(call, 'completed'));
  }

  private sender(): ReturnType<typeof webhookClient> {
    if (!this.client) throw new Error('the edge is not attached to an app');
    return this.client;
  }
}

function expectOk(response: LightMyRequestResponse): void {
  if (response.statusCode >= 300) {
    throw new Error(`webhook answered ${response.statusCode}: ${response.body}`);
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
export async function populate(edge: Edge): Promise<void> {
  edge.at(FIRST_DAY + 9 * 60 * 60 * 1000);
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
