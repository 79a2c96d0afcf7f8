import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import {
  newCallSid,
  platformTime,
  type WebhookClient,
  type WebhookRequest,
  webhookClient,
} from './client.js';
import { conferenceOf } from './parse-twiml.js';
import { conferences, connectedCallSids, participants, snapshot } from './read-models.js';

/**
 * The platform's side of a conference with a moderator: three callers join through the voice webhook (the
 * second starts the conference), one is muted through a callback, the moderator hangs up, and the platform
 * reports all that follows. Each step is one request, built once, so that it can be delivered again.
 */
function moderatedConference(client: WebhookClient, room: string) {
  const [moderator, second, third] = [newCallSid(), newCallSid(), newCallSid()];
  const r = client.requests;
  // Twilio dates callbacks to the second; the end comes a second after everything Conclave saw.
  const ended = platformTime(Date.now() + 1000);
  const steps: Record<string, WebhookRequest> = {
    moderatorCalls: r.voice(moderator, room, { endConferenceOnExit: 'true', participantLabel: 'moderator' }),
    secondCalls: r.voice(second, room),
    thirdCalls: r.voice(third, room, { muted: 'false', beep: 'onEnter' }),
    moderatorJoined: r.participant('participant-join', room, moderator, 1, { endConferenceOnExit: true }),
    secondJoined: r.participant('participant-join', room, second, 2),
    started: r.conference('conference-start', room, { SequenceNumber: '3' }),
    thirdJoined: r.participant('participant-join', room, third, 4),
    secondMuted: r.participant('participant-mute', room, second, 5, { muted: true }),
    moderatorLeft: r.participant('participant-leave', room, moderator, 6, { endConferenceOnExit: true }),
    secondLeft: r.participant('participant-leave', room, second, 7, { muted: true }),
    thirdLeft: r.participant('participant-leave', room, third, 8),
    conferenceEnded: r.conference('conference-end', room, {
      SequenceNumber: '9',
      Timestamp: ended,
      ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
      CallSidEndingConference: moderator,
      ParticipantLabelEndingConference: 'moderator',
    }),
    moderatorDialEnded: r.dialAction(moderator, { CallStatus: 'completed' }),
    secondDialEnded: r.dialAction(second),
    thirdDialEnded: r.dialAction(third),
    moderatorHungUp: r.callStatus(moderator, 'completed'),
    secondHungUp: r.callStatus(second, 'completed'),
    thirdHungUp: r.callStatus(third, 'completed'),
  };
  return { calls: { moderator, second, third }, steps };
}

describe.each(databaseKinds)('call flows on $name', (kind) => {
  const t = useApp(kind);
  const client = () => webhookClient(t);

  it('a moderator leaving ends the conference for everyone; the next call opens a new instance', async () => {
    const room = 'moderated';
    const { calls, steps } = moderatedConference(client(), room);
    const send = async (step: string) => {
      const response = await client().send(steps[step] as WebhookRequest);
      expect(response.statusCode, step).toBeLessThan(300);
      return response;
    };
    const instance = async () => (await conferences(t, room)).at(-1);

    await send('moderatorCalls');
    expect(await instance()).toMatchObject({ status: 'init' });
    await send('secondCalls');
    expect(await instance()).toMatchObject({ status: 'in-progress' });
    await send('thirdCalls');
    for (const step of ['moderatorJoined', 'secondJoined', 'started', 'thirdJoined']) await send(step);
    const sid = (await instance())?.sid ?? '';
    expect(await connectedCallSids(t, sid)).toEqual(Object.values(calls).sort());

    await send('secondMuted');
    expect((await participants(t, sid)).map((p) => [p.call_sid, p.muted])).toEqual([
      [calls.moderator, false],
      [calls.second, true],
      [calls.third, false],
    ]);

    await send('moderatorLeft');
    const completed = {
      sid,
      status: 'completed',
      reason_conference_ended: 'participant-with-end-conference-on-exit-left',
      call_sid_ending_conference: calls.moderator,
    };
    expect(await instance()).toMatchObject(completed);
    expect(await connectedCallSids(t, sid)).toEqual([]);

    // What the platform reports after the end changes nothing more.
    const afterEnd = await snapshot(t);
    for (const step of Object.keys(steps).slice(Object.keys(steps).indexOf('secondLeft'))) await send(step);
    expect((await snapshot(t)).conferences).toEqual(afterEnd.conferences);
    expect((await snapshot(t)).participants).toEqual(afterEnd.participants);

    const next = newCallSid();
    const response = await client().voice(next, room);
    expect(conferenceOf(response.body).text).toBe(room);
    const instances = await conferences(t, room);
    expect(instances).toHaveLength(2);
    expect(instances[0]).toMatchObject(completed);
    expect(instances[1]).toMatchObject({ status: 'init' });
    expect(instances[1]?.sid).not.toBe(sid);
    expect(await connectedCallSids(t, instances[1]?.sid ?? '')).toEqual([next]);
  });

  it.each([
    ['with the same idempotency token', (step: string) => ({ token: `token ${step}` })],
    ['without an idempotency token', () => ({})],
    ['with a new idempotency token each time', () => ({ token: randomUUID() })],
  ])('every step delivered three times %s leaves what one delivery left', async (_, tokenOf) => {
    const { steps } = moderatedConference(client(), `three times ${randomUUID()}`);
    for (const [name, request] of Object.entries(steps)) {
      const deliver = () => client().send({ ...request, options: { ...request.options, ...tokenOf(name) } });
      const first = await deliver();
      const once = await snapshot(t);
      for (const again of [await deliver(), await deliver()]) {
        expect([again.statusCode, again.body], name).toEqual([first.statusCode, first.body]);
      }
      expect(await snapshot(t), name).toEqual(once);
    }
  });

  describe('out of order', () => {
    /** Opens a room with one caller placed by TwiML; returns the conference Sid and the caller. */
    async function openRoom(room: string) {
      const caller = newCallSid();
      await client().voice(caller, room);
      const [conference] = await conferences(t, room);
      return { sid: conference?.sid ?? '', caller };
    }

    it('a leave that arrives before its join ends with the call gone, as in order', async () => {
      for (const order of ['in order', 'leave first']) {
        const room = `leave before join ${order}`;
        const { sid, caller } = await openRoom(room);
        const added = newCallSid();
        const join = client().requests.participant('participant-join', room, added, 3);
        const leave = client().requests.participant('participant-leave', room, added, 4);
        for (const request of order === 'in order' ? [join, leave] : [leave, join]) {
          expect((await client().send(request)).statusCode).toBe(204);
        }
        expect(await connectedCallSids(t, sid), order).toEqual([caller]);
      }
    });

    it('a mute or hold that arrives after a later unmute or unhold changes nothing, as in order', async () => {
      const flags = [];
      for (const order of ['in order', 'reversed']) {
        const room = `stale flags ${order}`;
        const { sid, caller } = await openRoom(room);
        const r = client().requests;
        const mute = r.participant('participant-mute', room, caller, 7, { muted: true });
        const unmute = r.participant('participant-unmute', room, caller, 8, { muted: false });
        const hold = r.participant('participant-hold', room, caller, 9, { hold: true });
        const unhold = r.participant('participant-unhold', room, caller, 10, { hold: false });
        const sent = order === 'in order' ? [mute, unmute, hold, unhold] : [unmute, mute, unhold, hold];
        for (const request of sent) expect((await client().send(request)).statusCode).toBe(204);
        const [row] = await participants(t, sid);
        expect(row).toMatchObject({ muted: false, hold: false });
        flags.push([row?.muted, row?.hold]);
      }
      expect(flags[1]).toEqual(flags[0]);
    });
  });
});
