// One room's calls, played as the platform would play them: callers dial in with mixed <Conference>
// attributes, the platform follows the TwiML it gets back (joining, or hanging up on a full room), reports
// joins (naming the conference by its own Sid), conference-start, mutes and holds, and ends calls by
// hang-up or by leaving the <Dial>. A moderator with endConferenceOnExit takes everyone out when leaving;
// now and then the app ends a conference through the API after its callers have gone (a conference-end
// that comes after Conclave completed it), a call is moved to a side room, and a recorded room reports its
// recording. Callbacks the platform would send independently are sent at once, so they may arrive in any
// order, some before the call-status that ends a call and some after.

import { XMLParser } from 'fast-xml-parser';
import { type Caller, hex, PlatformConference } from './platform.js';
import type { Form, Sender } from './sender.js';

export interface FlowCounts {
  calls: number;
  joined: number;
  turnedAway: number;
  instances: number;
  endedByModerator: number;
  /** Conference Sids of the platform's own that Conclave was told (one per conference a call joined). */
  platformSids: number;
  /** Conference-ends whose reason differs from the one Conclave derived before they came. */
  endsCorrected: number;
  movedCalls: number;
  recordings: number;
}

export const NO_COUNTS: FlowCounts = {
  calls: 0,
  joined: 0,
  turnedAway: 0,
  instances: 0,
  endedByModerator: 0,
  platformSids: 0,
  endsCorrected: 0,
  movedCalls: 0,
  recordings: 0,
};

export interface FlowContext {
  sender: Sender;
  accountSid: string;
  publicUrl: string;
  /** Callers per conference instance. */
  callers: number;
  random: () => number;
  /** Whether the app now and then moves a call to a side room (a second room the flow then plays). */
  moves: boolean;
  /** Waits between one step of a room and the next, to spread the calls over the run. */
  pause: () => Promise<void>;
  counts: FlowCounts;
}

const VOICE = '/webhooks/voice';
const CALL_STATUS = '/webhooks/call-status';
const BEEPS = ['true', 'false', 'onEnter', 'onExit'];
const REGIONS = ['us1', 'ie1', 'de1', 'au1'];

/** Where the TwiML asked the platform to report: paths on the server, taken from the answer. */
interface Dialled {
  dialAction: string;
  conferenceStatus: string;
  /** Path and query, when the conference records. */
  recordingStatus: string | null;
}

const twimlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: 'name',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
});

export async function runRoom(context: FlowContext, friendlyName: string): Promise<void> {
  const lives = context.random() < 0.3 ? 2 : 1;
  for (let life = 0; life < lives; life++) await new InstanceFlow(context, friendlyName).run();
}

class InstanceFlow {
  private readonly conference: PlatformConference;
  private dialled: Dialled | null = null;

  constructor(
    private readonly context: FlowContext,
    private readonly friendlyName: string,
  ) {
    this.conference = new PlatformConference(context.accountSid, friendlyName);
    context.counts.instances += 1;
  }

  async run(): Promise<void> {
    const { random, pause } = this.context;
    for (const caller of this.plan()) {
      await this.join(caller);
      await pause();
    }
    await this.recording('in-progress');
    for (let i = 0; i < this.conference.present.size; i++) {
      await this.changeFlags();
      await pause();
    }
    if (this.context.moves && this.conference.present.size > 1 && random() < 0.15) await this.move();
    // The app ends some conferences through the API; the platform's end then comes after the calls' own.
    const byApi = random() < 0.15;
    for (const caller of shuffled([...this.conference.present.values()], random)) {
      // A moderator leaving earlier took the others out with them.
      if (!this.conference.present.has(caller.callSid)) continue;
      await this.leave(caller, random() < 0.5 ? 'hang-up' : 'dial-ended', byApi);
      await pause();
    }
    await this.recording('completed');
  }

  /** The recording's status callback, for a conference whose TwiML asked for one. */
  private async recording(status: 'in-progress' | 'completed'): Promise<void> {
    const target = this.dialled?.recordingStatus;
    if (!target) return;
    const [path = '', query = ''] = target.split('?');
    const conference = this.conference;
    if (status === 'completed') this.context.counts.recordings += 1;
    await this.send(
      path,
      {
        AccountSid: this.context.accountSid,
        ConferenceSid: conference.sid,
        RecordingSid: conference.recordingSid,
        RecordingStatus: status,
        RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${this.context.accountSid}/Recordings/${conference.recordingSid}`,
        RecordingChannels: '1',
        RecordingSource: 'Conference',
        RecordingStartTime: conference.openedAt,
        ...(status === 'completed'
          ? { RecordingDuration: String(1 + Math.floor(this.context.random() * 600)) }
          : {}),
      },
      Object.fromEntries(new URLSearchParams(query)),
    );
  }

  /**
   * The app moves a caller to a side room through the platform's API: the platform reports it joining the
   * side room's conference (its own Sid) and leaving this one; it then hangs up there.
   */
  private async move(): Promise<void> {
    const dialled = this.dialled;
    const caller = [...this.conference.present.values()].find((c) => !c.endConferenceOnExit && !c.coaching);
    if (dialled === null || caller === undefined) return;
    const { counts } = this.context;
    const side = new PlatformConference(this.context.accountSid, `${this.friendlyName} · side`);
    counts.instances += 1;
    counts.joined += 1;
    counts.movedCalls += 1;
    counts.platformSids += 1;
    this.conference.present.delete(caller.callSid);
    side.joined(caller);
    const wasLast = this.conference.present.size === 0;
    await this.send(dialled.conferenceStatus, side.participantCallback('participant-join', caller));
    await this.send(
      dialled.conferenceStatus,
      this.conference.participantCallback('participant-leave', caller, {
        ReasonParticipantLeft: 'participant_updated_via_api',
        ParticipantCallStatus: 'in-progress',
      }),
    );
    if (wasLast) await this.endOf(this.conference, dialled, caller, 'last-participant-left');
    side.present.clear();
    await Promise.all([
      this.send(dialled.conferenceStatus, side.participantCallback('participant-leave', caller)),
      this.send(CALL_STATUS, this.callForm(caller, { CallStatus: 'completed', CallDuration: '90' })),
    ]);
    await this.endOf(side, dialled, caller, 'last-participant-left');
  }

  private endOf(conference: PlatformConference, dialled: Dialled, last: Caller, reason: string) {
    return this.send(
      dialled.conferenceStatus,
      conference.callback('conference-end', {
        ReasonConferenceEnded: reason,
        CallSidEndingConference: last.callSid,
      }),
    );
  }

  /** The callers of this instance: a host first (a moderator half the time), then mixed attributes. */
  private plan(): Caller[] {
    const { callers, random } = this.context;
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const moderated = random() < 0.5;
    const host = this.caller(moderated ? 'moderator' : 'host', {
      startConferenceOnEnter: true,
      endConferenceOnExit: moderated,
      region: pick(REGIONS),
      ...(random() < 0.3 ? { record: 'record-from-start' } : {}),
      // Some rooms are one seat short, so that the last caller finds them full.
      ...(callers > 2 && random() < 0.25 ? { maxParticipants: callers - 1 } : {}),
    });
    const guests = Array.from({ length: callers - 1 }, (_, i) =>
      this.caller(random() < 0.5 ? `caller ${i + 1}` : null, {
        muted: random() < 0.3,
        beep: pick(BEEPS),
        startConferenceOnEnter: random() < 0.8,
        ...(random() < 0.2 ? { waitUrl: '' } : {}),
        ...(i === 0 && random() < 0.3 ? { coach: host.callSid } : {}),
      }),
    );
    return [host, ...guests];
  }

  private caller(label: string | null, attributes: Record<string, string | number | boolean>): Caller {
    const query: Form = {};
    for (const [name, value] of Object.entries(attributes)) query[name] = String(value);
    if (label !== null) query.participantLabel = label;
    return {
      callSid: `CA${hex(16)}`,
      from: `+1555${String(Math.floor(this.context.random() * 1e7)).padStart(7, '0')}`,
      label,
      muted: query.muted === 'true',
      hold: false,
      coaching: query.coach !== undefined,
      startConferenceOnEnter: query.startConferenceOnEnter !== 'false',
      endConferenceOnExit: query.endConferenceOnExit === 'true',
      attributes: query,
    };
  }

  private callForm(caller: Caller, extra: Form): Form {
    return callForm(this.context.accountSid, caller, extra);
  }

  private send(path: string, form: Form, query?: Form) {
    return this.context.sender.send(path, form, query);
  }

  private async join(caller: Caller): Promise<void> {
    const { counts } = this.context;
    counts.calls += 1;
    const answer = await this.send(VOICE, this.callForm(caller, { CallStatus: 'ringing' }), {
      FriendlyName: this.friendlyName,
      ...caller.attributes,
    });
    if (answer.status >= 300) return;
    const dialled = this.read(answer.body);
    if (dialled === null) {
      counts.turnedAway += 1;
      await this.send(CALL_STATUS, this.callForm(caller, { CallStatus: 'completed', CallDuration: '3' }));
      return;
    }
    // The first join reported tells Conclave the platform's Sid; a later caller's TwiML never asks to record.
    if (this.dialled === null) counts.platformSids += 1;
    this.dialled = { ...dialled, recordingStatus: this.dialled?.recordingStatus ?? dialled.recordingStatus };
    counts.joined += 1;
    const started = this.conference.joined(caller);
    await this.send(
      dialled.conferenceStatus,
      this.conference.participantCallback('participant-join', caller),
    );
    if (started) await this.send(dialled.conferenceStatus, this.conference.callback('conference-start'));
  }

  /** The callback paths of a <Dial><Conference> answer, or null when the answer hangs up instead. */
  private read(twiml: string): Dialled | null {
    const dial = (twimlParser.parse(twiml) as { Response?: { Dial?: DialElement } }).Response?.Dial;
    if (dial === undefined) return null;
    if (dial.Conference.name !== this.friendlyName) {
      throw new Error(
        `asked to join ${JSON.stringify(this.friendlyName)}, the TwiML names ${JSON.stringify(dial.Conference.name)}`,
      );
    }
    const recording = dial.Conference.recordingStatusCallback;
    return {
      dialAction: this.pathOf(dial.action),
      conferenceStatus: this.pathOf(dial.Conference.statusCallback),
      recordingStatus: recording === undefined ? null : this.pathOf(recording),
    };
  }

  private pathOf(url: string): string {
    const { publicUrl } = this.context;
    if (!url.startsWith(`${publicUrl}/`)) {
      throw new Error(`the TwiML sends callbacks to ${url}, outside --public-url ${publicUrl}`);
    }
    return url.slice(publicUrl.length);
  }

  private async changeFlags(): Promise<void> {
    const present = [...this.conference.present.values()];
    const caller = present[Math.floor(this.context.random() * present.length)];
    if (caller === undefined || this.dialled === null) return;
    let event: string;
    if (this.context.random() < 0.5) {
      caller.muted = !caller.muted;
      event = caller.muted ? 'participant-mute' : 'participant-unmute';
    } else {
      caller.hold = !caller.hold;
      event = caller.hold ? 'participant-hold' : 'participant-unhold';
    }
    await this.send(this.dialled.conferenceStatus, this.conference.participantCallback(event, caller));
  }

  private async leave(caller: Caller, how: 'hang-up' | 'dial-ended', byApi = false): Promise<void> {
    const dialled = this.dialled;
    if (dialled === null) return;
    const conference = this.conference;
    conference.present.delete(caller.callSid);
    const hungUp = how === 'hang-up';
    const left = conference.participantCallback('participant-leave', caller, {
      ReasonParticipantLeft: hungUp ? 'participant_hung_up' : 'participant_updated_via_api',
      ParticipantCallStatus: hungUp ? 'completed' : 'in-progress',
    });
    const callStatus = hungUp ? 'completed' : 'in-progress';
    await Promise.all([
      this.send(dialled.conferenceStatus, left),
      this.send(
        dialled.dialAction,
        this.callForm(caller, { CallStatus: callStatus, DialCallStatus: hungUp ? 'completed' : 'answered' }),
      ),
      // A call that left the <Dial> gets empty TwiML back, so it ends too.
      this.send(CALL_STATUS, this.callForm(caller, { CallStatus: 'completed', CallDuration: '60' })),
    ]);
    if (caller.endConferenceOnExit) {
      await this.endForEveryone(caller, dialled);
    } else if (conference.present.size === 0 && byApi) {
      // Conclave completed it on the last leave; the platform's end says the app ended it.
      this.context.counts.endsCorrected += 1;
      await this.send(
        dialled.conferenceStatus,
        conference.callback('conference-end', { ReasonConferenceEnded: 'conference-ended-via-api' }),
      );
    } else if (conference.present.size === 0) {
      await this.endOf(conference, dialled, caller, 'last-participant-left');
    }
  }

  private async endForEveryone(moderator: Caller, dialled: Dialled): Promise<void> {
    const conference = this.conference;
    const others = [...conference.present.values()];
    conference.present.clear();
    this.context.counts.endedByModerator += 1;
    const reason = {
      ReasonParticipantLeft: 'moderator_ended_conference',
      ParticipantCallStatus: 'in-progress',
    };
    await Promise.all(
      others.map(async (other) => {
        await Promise.all([
          this.send(
            dialled.conferenceStatus,
            conference.participantCallback('participant-leave', other, reason),
          ),
          this.send(
            dialled.dialAction,
            this.callForm(other, { CallStatus: 'in-progress', DialCallStatus: 'completed' }),
          ),
        ]);
        await this.send(CALL_STATUS, this.callForm(other, { CallStatus: 'completed', CallDuration: '60' }));
      }),
    );
    await this.send(
      dialled.conferenceStatus,
      conference.callback('conference-end', {
        ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
        CallSidEndingConference: moderator.callSid,
        ...(moderator.label === null ? {} : { ParticipantLabelEndingConference: moderator.label }),
      }),
    );
  }
}

/** The parameters the platform sends about a call itself: to its voice URL, status and <Dial> action. */
export function callForm(accountSid: string, caller: Caller, extra: Form): Form {
  return {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    CallSid: caller.callSid,
    Direction: 'inbound',
    From: caller.from,
    Caller: caller.from,
    To: '+15550000000',
    Called: '+15550000000',
    ...extra,
  };
}

function shuffled<T>(values: T[], random: () => number): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j] as T, values[i] as T];
  }
  return values;
}

interface DialElement {
  action: string;
  Conference: { name: string; statusCallback: string; recordingStatusCallback?: string };
}
