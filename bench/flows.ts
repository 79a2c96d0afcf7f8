// What the load generator sends, as autocannon request lists. Each connection plays a list over and over;
// its context is reset at the start of each round, where the first request makes a new room and new
// calls, so that every round is a fresh conference. Every webhook is signed as it is built, with the
// simulator's pieces: the platform's callbacks, its call parameters, its signer.

import type autocannon from 'autocannon';
import { type Caller, hex, PlatformConference } from '../src/simulate/platform.js';
import { callForm } from '../src/simulate/room-flow.js';
import { type Form, signedWebhook } from '../src/simulate/sender.js';

export interface Target {
  /** Where the server listens; also its PUBLIC_URL, which signatures cover. */
  url: string;
  accountSid: string;
  authToken: string;
}

const VOICE = '/webhooks/voice';
const CALL_STATUS = '/webhooks/call-status';
const DIAL_ACTION = '/webhooks/dial-action';
const CONFERENCE_STATUS = '/webhooks/conference-status';

interface Webhook {
  path: string;
  form: Form;
  query?: Form;
}

type Step<Round> = (round: Round) => Webhook;

/** Requests that play `steps` in order, the first of them starting a new round with `begin`. */
function playing<Round>(target: Target, begin: () => Round, steps: Step<Round>[]): autocannon.Request[] {
  return steps.map((step, i) => ({
    method: 'POST',
    setupRequest(request, context) {
      const state = context as { round?: Round };
      if (i === 0) state.round = begin();
      const { path, form, query } = step(state.round as Round);
      const {
        target: signedPath,
        headers,
        body,
      } = signedWebhook({ authToken: target.authToken, publicUrl: target.url }, path, form, query);
      return { ...request, method: 'POST', path: signedPath, headers, body };
    },
  }));
}

function newCaller(label: string | null, attributes: Form = {}): Caller {
  return {
    callSid: `CA${hex(16)}`,
    from: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
    label,
    muted: attributes.muted === 'true',
    hold: false,
    coaching: false,
    startConferenceOnEnter: attributes.startConferenceOnEnter !== 'false',
    endConferenceOnExit: false,
    attributes: label === null ? attributes : { ...attributes, participantLabel: label },
  };
}

// Rooms are new to each round, and each generator process (generator.ts) names its own apart from the
// others', so that two phases against one database never share a room.
const ROOMS_OF_THIS_PROCESS = hex(4);
let rooms = 0;

interface RoomRound {
  conference: PlatformConference;
  callers: [Caller, Caller, Caller];
}

function voice(target: Target, room: string, caller: Caller): Webhook {
  return {
    path: VOICE,
    form: callForm(target.accountSid, caller, { CallStatus: 'ringing' }),
    query: { FriendlyName: room, ...caller.attributes },
  };
}

/**
 * One conference per round, in a room of its own: three callers dial in and the platform reports their
 * joins and the start, one caller is muted, then each leaves as a hang-up does (the participant-leave
 * callback, the <Dial> action and the final call status), and the platform reports the end. 18 webhooks,
 * of which 13 record an event: the rest are the platform's echoes of what Conclave already knows.
 */
export function conferenceRounds(target: Target): autocannon.Request[] {
  const begin = (): RoomRound => {
    rooms += 1;
    return {
      conference: new PlatformConference(target.accountSid, `bench room ${ROOMS_OF_THIS_PROCESS}-${rooms}`),
      callers: [
        newCaller('host', { startConferenceOnEnter: 'true', region: 'ie1' }),
        newCaller(null, { beep: 'onEnter' }),
        newCaller('guest', { muted: 'true', startConferenceOnEnter: 'false' }),
      ],
    };
  };
  const status = (form: Form): Webhook => ({ path: CONFERENCE_STATUS, form });
  const dialIn =
    (n: 0 | 1 | 2): Step<RoomRound> =>
    (round) =>
      voice(target, round.conference.friendlyName, round.callers[n]);
  const joined =
    (n: 0 | 1 | 2): Step<RoomRound> =>
    (round) =>
      status(round.conference.participantCallback('participant-join', round.callers[n]));
  const hangUp = (n: 0 | 1 | 2): Step<RoomRound>[] => [
    (round) =>
      status(
        round.conference.participantCallback('participant-leave', round.callers[n], {
          ReasonParticipantLeft: 'participant_hung_up',
          ParticipantCallStatus: 'completed',
        }),
      ),
    (round) => ({
      path: DIAL_ACTION,
      form: callForm(target.accountSid, round.callers[n], {
        CallStatus: 'completed',
        DialCallStatus: 'completed',
      }),
    }),
    (round) => ({
      path: CALL_STATUS,
      form: callForm(target.accountSid, round.callers[n], { CallStatus: 'completed', CallDuration: '60' }),
    }),
  ];
  return playing(target, begin, [
    dialIn(0),
    joined(0),
    dialIn(1),
    joined(1),
    (round) => status(round.conference.callback('conference-start')),
    dialIn(2),
    joined(2),
    (round) => {
      round.callers[1].muted = true;
      return status(round.conference.participantCallback('participant-mute', round.callers[1]));
    },
    ...hangUp(0),
    ...hangUp(1),
    ...hangUp(2),
    (round) =>
      status(
        round.conference.callback('conference-end', {
          ReasonConferenceEnded: 'last-participant-left',
          CallSidEndingConference: round.callers[2].callSid,
        }),
      ),
  ]);
}

/** Every round a new call joins the one room and hangs up: all of it queues on that room's lock. */
export function hotRoomRounds(target: Target, room: string): autocannon.Request[] {
  return playing(target, () => newCaller(null), [
    (caller) => voice(target, room, caller),
    (caller) => ({
      path: CALL_STATUS,
      form: callForm(target.accountSid, caller, { CallStatus: 'completed', CallDuration: '60' }),
    }),
  ]);
}

/** GETs of REST paths picked by `pathOf` for each request, with the account's Basic credentials. */
export function restReads(target: Target, pathOf: () => string): autocannon.Request[] {
  const authorization = `Basic ${Buffer.from(`${target.accountSid}:${target.authToken}`).toString('base64')}`;
  return [
    {
      method: 'GET',
      setupRequest: (request) => ({ ...request, method: 'GET', path: pathOf(), headers: { authorization } }),
    },
  ];
}
