import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/store/database.js';
import { PUBLIC_URL, testConfig, useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import {
  type Flags,
  type Form,
  newCallSid,
  newConferenceSid,
  platformTime,
  type WebhookRequest,
  webhookClient,
} from './client.js';
import { parseTwiml } from './parse-twiml.js';
import {
  conferences,
  connectedCallSids,
  countRows,
  eventData,
  participants,
  snapshot,
} from './read-models.js';

describe.each(databaseKinds)('callbacks on $name', (kind) => {
  const t = useApp(kind);
  const client = () => webhookClient(t);

  /** Opens `room` with the calls given, through the voice webhook; returns the conference Sid. */
  async function roomWith(room: string, ...calls: string[]): Promise<string> {
    for (const call of calls) expect((await client().voice(call, room)).statusCode).toBe(200);
    const [conference] = await conferences(t, room);
    return conference?.sid ?? '';
  }

  async function participant(conferenceSid: string, callSid: string) {
    return (await participants(t, conferenceSid)).find((p) => p.call_sid === callSid);
  }

  /** Sends `send` and checks that it was answered and left the account's state as it was. */
  async function expectNoChange(send: () => Promise<{ statusCode: number }>, status = 204) {
    const before = await snapshot(t);
    expect((await send()).statusCode).toBe(status);
    expect(await snapshot(t)).toEqual(before);
  }

  /** As expectNoChange, for a request Conclave does not act on at all: not even its delivery is kept. */
  async function expectIgnored(send: () => Promise<{ statusCode: number }>) {
    const inbox = await countRows(t, 'inbox');
    await expectNoChange(send);
    expect(await countRows(t, 'inbox')).toBe(inbox);
  }

  describe('call status', () => {
    it.each(['completed', 'busy', 'failed', 'no-answer', 'canceled'])(
      'a terminal CallStatus (%s) ends the call, which leaves its conference',
      async (status) => {
        const [leaving, staying] = [newCallSid(), newCallSid()];
        const sid = await roomWith(`call status ${status}`, leaving, staying);
        const response = await client().callStatus(leaving, status);
        expect(response.statusCode).toBe(204);
        expect(response.body).toBe('');
        expect(await participant(sid, leaving)).toMatchObject({ status: 'complete', left_reason: 'hung-up' });
        expect(await connectedCallSids(t, sid)).toEqual([staying]);
        const call = await t.database.db
          .selectFrom('calls')
          .select('ended')
          .where('account_sid', '=', t.account.sid)
          .where('call_sid', '=', leaving)
          .executeTakeFirst();
        expect(call?.ended).toBe(true);
      },
    );

    // The Timestamp only dates the hang-up for the app's callbacks: one in a format Conclave does not read
    // must not cost the hang-up itself (the call would stay in its conference until the reaper).
    it('a Timestamp that does not parse still ends the call', async () => {
      for (const odd of ['last Tuesday', 'Mon, 30 Nov 2026\n10:00:00 +0000']) {
        const [leaving, staying] = [newCallSid(), newCallSid()];
        const sid = await roomWith(`odd timestamp ${odd.length}`, leaving, staying);
        const form = client().callForm(leaving, { CallStatus: 'completed', Timestamp: odd });
        const response = await client().send({ path: '/webhooks/call-status', form, options: {} });
        expect(response.statusCode, odd).toBe(204);
        expect(await participant(sid, leaving)).toMatchObject({ status: 'complete', left_reason: 'hung-up' });
        expect(await connectedCallSids(t, sid)).toEqual([staying]);
      }
    });

    it('the last call hanging up completes the conference', async () => {
      const call = newCallSid();
      await roomWith('last to hang up', call);
      await client().callStatus(call, 'completed');
      expect(await conferences(t, 'last to hang up')).toEqual([
        expect.objectContaining({
          status: 'completed',
          reason_conference_ended: 'last-participant-left',
          call_sid_ending_conference: call,
        }),
      ]);
    });

    it.each(['queued', 'initiated', 'ringing', 'in-progress', 'answered'])(
      'a progress status (%s) is acknowledged and changes nothing',
      async (status) => {
        const call = newCallSid();
        await roomWith(`progress ${status}`, call);
        await expectIgnored(() => client().callStatus(call, status));
      },
    );

    it.each([
      ['CallStatus', 'CallStatus is missing'],
      ['CallSid', 'CallSid is missing'],
    ])('refuses a request without %s with 400', async (name, reason) => {
      const form = client().callForm(newCallSid());
      delete form[name];
      const response = await client().send({ path: '/webhooks/call-status', form, options: {} });
      expect(response.statusCode).toBe(400);
      expect(response.body).toBe(reason);
    });
  });

  describe('dial action', () => {
    it('takes the call out of the conference and answers TwiML that ends it; the call may join again', async () => {
      const [leaving, staying] = [newCallSid(), newCallSid()];
      const sid = await roomWith('dial action', leaving, staying);
      const response = await client().dialAction(leaving, { DialCallStatus: 'answered' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/xml/);
      expect(parseTwiml(response.body)).toEqual({});
      expect(await participant(sid, leaving)).toMatchObject({
        status: 'complete',
        left_reason: 'dial-ended',
      });
      expect(await connectedCallSids(t, sid)).toEqual([staying]);

      const elsewhere = await roomWith('after the dial', leaving);
      expect(await connectedCallSids(t, elsewhere)).toEqual([leaving]);
    });

    it('for a call in no conference, answers the same and records nothing', async () => {
      await expectNoChange(() => client().dialAction(newCallSid()), 200);
    });
    it('for the room a call has since left, leaves the room it is in now alone', async () => {
      const [moving, other] = [newCallSid(), newCallSid()];
      await roomWith('left behind', moving, other);
      const now = await roomWith('moved to', moving);
      const late = await client().dialAction(moving, {}, { query: { FriendlyName: 'left behind' } });
      expect(late.statusCode).toBe(200);
      expect(await connectedCallSids(t, now)).toEqual([moving]);
    });

    it('takes a DialCallStatus too long to key by its text, once: its repeat changes nothing', async () => {
      const [leaving, staying] = [newCallSid(), newCallSid()];
      const sid = await roomWith('long status', leaving, staying);
      // Random, so that the database cannot compress it under its limit for an index entry.
      const status = randomBytes(1500).toString('hex');
      const request = client().requests.dialAction(leaving, { DialCallStatus: status });
      const inbox = await countRows(t, 'inbox');
      expect((await client().send(request)).statusCode).toBe(200);
      expect(await connectedCallSids(t, sid)).toEqual([staying]);
      expect(await countRows(t, 'inbox')).toBe(inbox + 1);
      await expectNoChange(() => client().send(request), 200);
      expect(await countRows(t, 'inbox')).toBe(inbox + 1);
    });

    it('refuses a request without CallSid with 400', async () => {
      const form = client().callForm(newCallSid());
      delete form.CallSid;
      const response = await client().send({ path: '/webhooks/dial-action', form, options: {} });
      expect(response.statusCode).toBe(400);
      expect(response.body).toBe('CallSid is missing');
    });
  });

  describe('conference status', () => {
    // The room takes an end dated before its instance opened for an end of an earlier instance, and Twilio's
    // Timestamp has no milliseconds: an end in the second the instance opened would be dropped.
    const endTime = () => platformTime(Date.now() + 1000);

    it('participant-join for a call Conclave did not place joins it with the flags reported', async () => {
      const [placed, added] = [newCallSid(), newCallSid()];
      const sid = await roomWith('added by the platform', placed);
      const response = await client().conference('participant-join', 'added by the platform', {
        CallSid: added,
        SequenceNumber: '2',
        ParticipantLabel: 'supervisor',
        Muted: 'true',
        Hold: 'false',
        Coaching: 'false',
        EndConferenceOnExit: 'true',
        StartConferenceOnEnter: 'false',
      });
      expect(response.statusCode).toBe(204);
      expect(await participant(sid, added)).toMatchObject({
        status: 'connected',
        label: 'supervisor',
        muted: true,
        end_conference_on_exit: true,
        start_conference_on_enter: false,
        from_number: null,
        to_number: null,
      });
      expect(await conferences(t, 'added by the platform')).toEqual([
        expect.objectContaining({ status: 'in-progress' }),
      ]);
    });

    // Twilio's callbacks may arrive out of order (§11); their SequenceNumber says which came first.
    it('applies a mute that overtook the join of a call Conclave did not place once that join arrives', async () => {
      const [placed, added] = [newCallSid(), newCallSid()];
      const room = 'overtaken join';
      const sid = await roomWith(room, placed);
      const mute = await client().participant('participant-mute', room, added, 3, { muted: true });
      expect(mute.statusCode).toBe(204);
      expect(await participant(sid, added)).toBeUndefined();
      expect((await client().participant('participant-join', room, added, 2)).statusCode).toBe(204);
      expect(await participant(sid, added)).toMatchObject({ status: 'connected', muted: true });
      // The join's own report, arriving again, changes nothing.
      await expectNoChange(() => client().participant('participant-join', room, added, 2));
    });

    // Twilio's participant-join sends Coaching, not always CallSidToCoach (§11, participant events): the
    // platform's word on coaching stands, and whom it coaches is recorded only where the platform named it.
    it('participant-join of a coach records it coaching, with whom only where the platform says', async () => {
      const [placed, named, unnamed] = [newCallSid(), newCallSid(), newCallSid()];
      const sid = await roomWith('coached by the platform', placed);
      const join = (call: string, sequence: number, extra: Form) =>
        client().participant(
          'participant-join',
          'coached by the platform',
          call,
          sequence,
          {},
          {},
          {
            Coaching: 'true',
            ...extra,
          },
        );
      expect((await join(named, 2, { CallSidToCoach: placed })).statusCode).toBe(204);
      expect((await join(unnamed, 3, {})).statusCode).toBe(204);
      expect(await participant(sid, named)).toMatchObject({ coaching: true, call_sid_to_coach: placed });
      expect(await participant(sid, unnamed)).toMatchObject({ coaching: true, call_sid_to_coach: null });
    });

    it('participant-join for an unknown call in an empty room opens a conference', async () => {
      const call = newCallSid();
      await client().participant('participant-join', 'opened by a callback', call, 1);
      const [conference] = await conferences(t, 'opened by a callback');
      expect(conference?.status).toBe('init');
      expect(await connectedCallSids(t, conference?.sid ?? '')).toEqual([call]);
    });

    it("participant-join for a call Conclave placed gives the conference the platform's Sid, and nothing else", async () => {
      const call = newCallSid();
      const sid = await roomWith('placed by TwiML', call);
      const platformSid = newConferenceSid();
      const join = () =>
        client().participant(
          'participant-join',
          'placed by TwiML',
          call,
          1,
          {},
          {},
          { ConferenceSid: platformSid },
        );
      expect((await join()).statusCode).toBe(204);
      expect(await conferences(t, 'placed by TwiML')).toEqual([
        expect.objectContaining({ sid, platform_sid: platformSid, status: 'init' }),
      ]);
      expect(await connectedCallSids(t, sid)).toEqual([call]);
      await expectNoChange(join);
    });

    it('conference-start moves a conference Conclave shows as init to in-progress', async () => {
      const sid = await roomWith('started by the platform', newCallSid());
      expect((await client().conference('conference-start', 'started by the platform')).statusCode).toBe(204);
      expect(await conferences(t, 'started by the platform')).toEqual([
        expect.objectContaining({ sid, status: 'in-progress' }),
      ]);
    });

    it('participant-leave takes the call out', async () => {
      const [leaving, staying] = [newCallSid(), newCallSid()];
      const sid = await roomWith('leave callback', leaving, staying);
      const response = await client().participant('participant-leave', 'leave callback', leaving, 3);
      expect(response.statusCode).toBe(204);
      expect(await participant(sid, leaving)).toMatchObject({ status: 'complete', left_reason: 'left' });
      expect(await connectedCallSids(t, sid)).toEqual([staying]);
    });

    it.each<[string, Flags, object]>([
      ['participant-mute', { muted: true }, { muted: true, hold: false, coaching: false }],
      ['participant-hold', { hold: true }, { muted: false, hold: true, coaching: false }],
      [
        'participant-modify',
        { endConferenceOnExit: true, coaching: true },
        { end_conference_on_exit: true, coaching: true },
      ],
    ])('%s records the flags reported', async (event, flags, expected) => {
      const call = newCallSid();
      const sid = await roomWith(`flags ${event}`, call);
      expect((await client().participant(event, `flags ${event}`, call, 4, flags)).statusCode).toBe(204);
      expect(await participant(sid, call)).toMatchObject(expected);
    });

    it.each([
      ['participant-unmute', 'muted'],
      ['participant-unhold', 'hold'],
    ] as const)('%s clears the flag', async (event, flag) => {
      const call = newCallSid();
      const room = `clears ${flag}`;
      const sid = await roomWith(room, call);
      await client().participant(event.replace('un', ''), room, call, 1, { [flag]: true });
      expect(await participant(sid, call)).toMatchObject({ [flag]: true });
      await client().participant(event, room, call, 2, { [flag]: false });
      expect(await participant(sid, call)).toMatchObject({ [flag]: false });
    });

    it('conference-end completes the conference with the reason and the ending call reported', async () => {
      const [first, second] = [newCallSid(), newCallSid()];
      const sid = await roomWith('ended by the platform', first, second);
      const response = await client().conference('conference-end', 'ended by the platform', {
        Timestamp: endTime(),
        SequenceNumber: '9',
        ReasonConferenceEnded: 'participant-with-end-conference-on-exit-kicked',
        CallSidEndingConference: second,
        ParticipantLabelEndingConference: 'host',
        Reason: 'Participant kicked',
      });
      expect(response.statusCode).toBe(204);
      expect(await conferences(t, 'ended by the platform')).toEqual([
        expect.objectContaining({
          sid,
          status: 'completed',
          reason_conference_ended: 'participant-with-end-conference-on-exit-kicked',
          call_sid_ending_conference: second,
        }),
      ]);
      expect(await connectedCallSids(t, sid)).toEqual([]);
      expect(await participant(sid, first)).toMatchObject({ left_reason: 'conference-ended' });
    });

    /** The platform's free-text Reason kept with the end of conference `sid`, if any. */
    const endWords = async (sid: string) =>
      (await eventData(t, 'ConferenceEnded')).find((data) => data.conferenceSid === sid)?.reasonText;

    // Twilio's Reason is free text of no documented form: words Conclave cannot carry are left out, and the
    // end they came with stands (a 4xx would lose it: the platform does not send it again).
    it('conference-end keeps its free-text Reason, and stands without one that cannot be carried', async () => {
      const cases = [
        ['Ended by the host', 'Ended by the host'],
        ['Ended\nby the host', undefined],
        ['x'.repeat(513), undefined],
      ] as const;
      for (const [i, [words, kept]] of cases.entries()) {
        const room = `free-text reason ${i}`;
        const sid = await roomWith(room, newCallSid());
        const response = await client().conference('conference-end', room, {
          ReasonConferenceEnded: 'conference-ended-via-api',
          Timestamp: endTime(),
          Reason: words,
        });
        expect(response.statusCode, words).toBe(204);
        expect(await conferences(t, room)).toEqual([expect.objectContaining({ status: 'completed' })]);
        expect(await endWords(sid)).toBe(kept);
      }
    });

    it('conference-end with a reason Conclave does not know completes the conference, the reason kept as sent', async () => {
      await roomWith('new reason', newCallSid());
      await client().conference('conference-end', 'new reason', {
        ReasonConferenceEnded: 'something-new',
        Timestamp: endTime(),
      });
      expect(await conferences(t, 'new reason')).toEqual([
        expect.objectContaining({ status: 'completed', reason_conference_ended: 'something-new' }),
      ]);
    });

    it("a conference-end after the last leave replaces Conclave's reason with the platform's", async () => {
      const [first, second] = [newCallSid(), newCallSid()];
      const sid = await roomWith('late end', first, second);
      await client().participant('participant-join', 'late end', first, 1);
      await client().callStatus(first, 'completed');
      await client().callStatus(second, 'completed');
      expect(await conferences(t, 'late end')).toEqual([
        expect.objectContaining({
          reason_conference_ended: 'last-participant-left',
          call_sid_ending_conference: second,
        }),
      ]);
      const response = await client().conference('conference-end', 'late end', {
        ReasonConferenceEnded: 'conference-ended-via-api',
        CallSidEndingConference: '',
        SequenceNumber: '7',
      });
      expect(response.statusCode).toBe(204);
      expect(await conferences(t, 'late end')).toEqual([
        expect.objectContaining({
          sid,
          status: 'completed',
          reason_conference_ended: 'conference-ended-via-api',
          call_sid_ending_conference: null,
        }),
      ]);
    });

    it('a conference-end in the very second the conference opened ends it', async () => {
      const sid = await roomWith('same second', newCallSid());
      const [conference] = await conferences(t, 'same second');
      await client().conference('conference-end', 'same second', {
        ConferenceSid: newConferenceSid(),
        ReasonConferenceEnded: 'conference-ended-via-api',
        Timestamp: platformTime(conference?.date_created.getTime()),
      });
      expect(await conferences(t, 'same second')).toEqual([
        expect.objectContaining({ sid, status: 'completed' }),
      ]);
    });

    it('participant-join of a call in another room moves it there', async () => {
      const call = newCallSid();
      const [stays, other] = [newCallSid(), newCallSid()];
      const from = await roomWith('moved from', call, stays);
      const to = await roomWith('moved to', other);
      const response = await client().participant('participant-join', 'moved to', call, 3, { hold: true });
      expect(response.statusCode).toBe(204);
      expect(await participant(from, call)).toMatchObject({ status: 'complete', left_reason: 'moved' });
      expect(await participant(to, call)).toMatchObject({ status: 'connected', hold: true });
      expect(await connectedCallSids(t, from)).toEqual([stays]);
    });

    it('conference-end naming an earlier instance of the room leaves the running one alone', async () => {
      const room = 'later instance';
      const earlier = newCallSid();
      await roomWith(room, earlier);
      const platformSid = newConferenceSid();
      await client().participant(
        'participant-join',
        room,
        earlier,
        1,
        {},
        {},
        { ConferenceSid: platformSid },
      );
      await client().callStatus(earlier, 'completed');
      await roomWith(room, newCallSid());
      await expectNoChange(() =>
        client().conference('conference-end', room, {
          ConferenceSid: platformSid,
          ReasonConferenceEnded: 'last-participant-left',
          CallSidEndingConference: earlier,
          Timestamp: platformTime(Date.now() - 3_600_000),
        }),
      );
    });

    it('participant-join with a label already in use still joins the call: the platform says it did', async () => {
      const room = 'callback labels';
      await client().voice(newCallSid(), room, { participantLabel: 'agent' });
      const call = newCallSid();
      const response = await client().conference('participant-join', room, {
        CallSid: call,
        ParticipantLabel: 'agent',
      });
      expect(response.statusCode).toBe(204);
      const [conference] = await conferences(t, room);
      expect(await connectedCallSids(t, conference?.sid ?? '')).toContain(call);
    });

    it('participant-join into a conference Conclave believes full still joins the call: a leave is on its way', async () => {
      const room = 'callback capacity';
      const [first, second, third] = [newCallSid(), newCallSid(), newCallSid()];
      await client().voice(first, room, { maxParticipants: '2' });
      await client().voice(second, room);
      const response = await client().participant('participant-join', room, third, 5);
      expect(response.statusCode).toBe(204);
      const [conference] = await conferences(t, room);
      expect((await connectedCallSids(t, conference?.sid ?? '')).sort()).toEqual(
        [first, second, third].sort(),
      );
      // Conclave's own TwiML still turns the next caller away while the conference is over its cap.
      const turnedAway = await client().voice(newCallSid(), room);
      expect(turnedAway.body).toContain('<Hangup');
    });

    const participantForm: Form = {
      CallSid: newCallSid(),
      SequenceNumber: '1',
      Muted: 'true',
      Hold: 'false',
      Coaching: 'false',
      EndConferenceOnExit: 'false',
    };

    it.each([
      ['StatusCallbackEvent missing', { StatusCallbackEvent: undefined }, 'StatusCallbackEvent is missing'],
      ['FriendlyName missing', { FriendlyName: undefined }, 'FriendlyName is missing'],
      ['CallSid missing', { CallSid: undefined }, 'CallSid is missing'],
      ['Muted missing', { Muted: undefined }, 'Muted is missing'],
      ['Hold missing', { Hold: undefined }, 'Hold is missing'],
      ['Muted malformed', { Muted: 'yes' }, "Muted is 'yes': expected true or false"],
      ['Coaching malformed', { Coaching: '0' }, "Coaching is '0': expected true or false"],
      [
        'SequenceNumber negative',
        { SequenceNumber: '-1' },
        "SequenceNumber is '-1': expected a whole number",
      ],
      [
        'SequenceNumber not a number',
        { SequenceNumber: 'x' },
        "SequenceNumber is 'x': expected a whole number",
      ],
      ['SequenceNumber fractional', { SequenceNumber: '1.5' }, "SequenceNumber is '1.5'"],
      ['Timestamp malformed', { Timestamp: 'yesterday' }, "Timestamp is 'yesterday': expected a date"],
      [
        'ConferenceSid malformed',
        { ConferenceSid: 'CF1' },
        "ConferenceSid is 'CF1': expected CF followed by",
      ],
      ['CallSid malformed', { CallSid: 'CAzz' }, "CallSid is 'CAzz': expected CA followed by"],
    ])('refuses a participant-mute with %s with 400, recording nothing', async (_, change, reason) => {
      const room = 'malformed callbacks';
      const call = newCallSid();
      await roomWith(room, call);
      const request = client().requests.conference('participant-mute', room, {
        ...participantForm,
        CallSid: call,
      });
      const form = Object.fromEntries(
        Object.entries({ ...request.form, ...change }).filter(([, value]) => value !== undefined),
      ) as Form;
      await expectNoChange(() => client().send({ ...request, form }), 400);
      expect((await client().send({ ...request, form })).body).toContain(reason);
    });

    it('refuses a conference-end with a malformed CallSidEndingConference with 400', async () => {
      const response = await client().conference('conference-end', 'malformed end', {
        CallSidEndingConference: 'CA',
      });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain("CallSidEndingConference is 'CA'");
    });
  });

  describe('every route', () => {
    const routes = [
      ['voice', (call: string) => client().requests.voice(call, 'signed room')],
      ['call-status', (call: string) => client().requests.callStatus(call, 'completed')],
      ['dial-action', (call: string) => client().requests.dialAction(call)],
      [
        'conference-status',
        (call: string) => client().requests.participant('participant-join', 'signed room', call, 1),
      ],
    ] as const;

    function urlOf(request: WebhookRequest): string {
      const query = new URLSearchParams(request.options.query ?? {}).toString();
      return `${PUBLIC_URL}${request.path}${query ? `?${query}` : ''}`;
    }

    async function expectForbidden(send: () => Promise<{ statusCode: number; body: string }>) {
      const events = await countRows(t, 'events');
      const inbox = await countRows(t, 'inbox');
      const response = await send();
      expect(response.statusCode).toBe(403);
      expect(response.body).toBe('Forbidden: X-Twilio-Signature is missing or does not match the request');
      expect(await countRows(t, 'events')).toBe(events);
      expect(await countRows(t, 'inbox')).toBe(inbox);
    }

    describe.each(routes)('%s', (_, build) => {
      it('accepts a request signed by the twilio package, by POST and by GET', async () => {
        expect((await client().send(build(newCallSid()))).statusCode).toBeLessThan(300);
        const byGet = build(newCallSid());
        const response = await client().send({ ...byGet, options: { ...byGet.options, method: 'GET' } });
        expect(response.statusCode).toBeLessThan(300);
      });

      it('accepts a signature over the URL spelled with its default port', async () => {
        const request = build(newCallSid());
        const signedUrl = urlOf(request).replace(PUBLIC_URL, 'https://conclave.test:443');
        const response = await client().send({ ...request, options: { ...request.options, signedUrl } });
        expect(response.statusCode).toBeLessThan(300);
      });

      it('refuses an unknown account with 403 and records nothing', async () => {
        const request = build(newCallSid());
        const stranger = `AC${'f'.repeat(32)}`;
        await expectForbidden(() =>
          client().send({
            ...request,
            form: { ...request.form, AccountSid: stranger },
            options: { ...request.options, authToken: 'f'.repeat(32) },
          }),
        );
      });

      it('refuses a missing, wrong or mismatched signature with 403 and records nothing', async () => {
        const request = build(newCallSid());
        const send = (options: object, form = request.form) =>
          client().send({ ...request, form, options: { ...request.options, ...options } });
        await expectForbidden(() => send({ signature: null }));
        await expectForbidden(() => send({ signature: 'bm90IGEgc2lnbmF0dXJl' }));
        await expectForbidden(() => send({ authToken: t.otherAccount.authToken }));
        await expectForbidden(() => send({ signedUrl: `https://elsewhere.test${request.path}` }));
        // Signed as it was, then a parameter changed on the way.
        const original = twilio.getExpectedTwilioSignature(t.account.authToken, urlOf(request), request.form);
        await expectForbidden(() => send({ signature: original }, { ...request.form, From: '+15559999' }));
      });

      it('refuses a body over the size limit with 413, never 500', async () => {
        const request = build(newCallSid());
        const response = await client().send({
          ...request,
          form: { ...request.form, Padding: 'x'.repeat(70 * 1024) },
        });
        expect(response.statusCode).toBe(413);
        expect(response.headers['content-type']).toMatch(/^text\/plain/);
      });

      it('takes a form whose content type names its charset', async () => {
        const request = build(newCallSid());
        const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
        const response = await client().send({ ...request, options: { ...request.options, headers } });
        expect(response.statusCode).toBeLessThan(300);
      });

      it('refuses an idempotency token longer than 256 characters with 400', async () => {
        const request = build(newCallSid());
        const response = await client().send({
          ...request,
          options: { ...request.options, token: 'k'.repeat(257) },
        });
        expect(response.statusCode).toBe(400);
        expect(response.body).toBe('I-Twilio-Idempotency-Token is longer than 256 characters');
      });

      it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'HEAD'] as const)(
        'answers %s with 405 and records nothing, even signed',
        async (method) => {
          const request = build(newCallSid());
          const events = await countRows(t, 'events');
          const inbox = await countRows(t, 'inbox');
          const response = await client().send({ ...request, options: { ...request.options, method } });
          expect(response.statusCode).toBe(405);
          expect(response.headers.allow).toBe('GET, POST');
          expect(await countRows(t, 'events')).toBe(events);
          expect(await countRows(t, 'inbox')).toBe(inbox);
        },
      );

      it('answers a path it cannot decode with 400 and a reason', async () => {
        const response = await t.app.inject({ method: 'POST', url: `${build(newCallSid()).path}%FF` });
        expect(response.statusCode).toBe(400);
        expect(response.body).toBe(
          'Bad request: the path is not valid percent-encoded UTF-8, or a segment of it is too long',
        );
      });

      it('refuses a body that is not a form with 415', async () => {
        const request = build(newCallSid());
        const response = await t.app.inject({
          method: 'POST',
          url: request.path,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(request.form),
        });
        expect(response.statusCode).toBe(415);
      });
    });
  });
});

describe('webhooks while the database does not answer', () => {
  it('answer 503 so that the platform retries', async () => {
    const database = await openDatabase({ kind: 'postgres', url: 'postgres://conclave@127.0.0.1:1/none' });
    const app = await buildApp({ config: testConfig(), database });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/webhooks/call-status',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
        payload: new URLSearchParams({ AccountSid: `AC${'1'.repeat(32)}`, CallSid: newCallSid() }).toString(),
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
