// The app's own conference callbacks, end to end: webhooks go in through the app, the deliverer sends what
// Twilio would to a receiver on 127.0.0.1 that validates every request with the official `twilio`
// package, as the app would. Parameters per event follow Twilio's conference statusCallback reference
// (../shared/reference/twilio-conference-api.md §11: "Always … Participant events … end …").

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Deliverer, startCallbackDeliverer } from '../../src/commands/callbacks/deliverer.js';
import { listCallbacks, retryFailed, setEventsUrl } from '../../src/store/callbacks.js';
import { useApp } from '../helpers/app.js';
import {
  type CallbackReceiver,
  eventually,
  type ReceivedCallback,
  startReceiver,
} from '../helpers/callback-receiver.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, platformTime, webhookClient } from '../webhooks/client.js';
import { rejections } from '../webhooks/read-models.js';

const ALWAYS = [
  'AccountSid',
  'ConferenceSid',
  'FriendlyName',
  'SequenceNumber',
  'StatusCallbackEvent',
  'Timestamp',
];
const PARTICIPANT = [
  ...ALWAYS,
  'CallSid',
  'Coaching',
  'EndConferenceOnExit',
  'Hold',
  'Muted',
  'StartConferenceOnEnter',
];

function names(callback: ReceivedCallback): string[] {
  return Object.keys(callback.params).sort();
}

function events(callbacks: ReceivedCallback[]): string[] {
  return callbacks.map((c) => c.params.StatusCallbackEvent ?? '');
}

function sequenceNumbers(callbacks: ReceivedCallback[]): number[] {
  return callbacks.map((c) => Number(c.params.SequenceNumber));
}

function increasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] ?? 0));
}

describe.each(databaseKinds)('callbacks to the app on $name', (kind) => {
  const t = useApp(kind);
  let receiver: CallbackReceiver;
  let deliverer: Deliverer | undefined;
  const client = () => webhookClient(t);
  let room = 0;
  const newRoom = () => `callback room ${++room}`;

  beforeAll(async () => {
    receiver = await startReceiver(() => t.account.authToken);
  });
  afterAll(async () => {
    await receiver.close();
  });
  afterEach(async () => {
    await deliverer?.stop();
    deliverer = undefined;
    receiver.received.length = 0;
    receiver.behave(() => 'ok');
  });

  function deliver(retryForMs = 60_000, sidWaitMs = 0) {
    deliverer = startCallbackDeliverer(t.database.db, {
      retryForMs,
      sidWaitMs,
      observer: t.app.metrics.callbacks,
      firstRetryMs: 50,
      maxRetryMs: 400,
      pollMs: 20,
    });
  }

  /** The room's callbacks as the app saw them: the first delivery of each (a repeat is possible when an
   * answer comes after the timeout; the app drops it by its idempotency token). */
  const forRoom = (name: string) => {
    const seen = new Set<string>();
    return receiver.delivered().filter((c) => {
      if (c.params.FriendlyName !== name || seen.has(c.idempotencyToken)) return false;
      seen.add(c.idempotencyToken);
      return true;
    });
  };

  it('sends every subscribed event with Twilio’s parameters, signed, by POST, in SequenceNumber order', async () => {
    deliver();
    const name = newRoom();
    const [a, b] = [newCallSid(), newCallSid()];
    const asked = {
      statusCallback: `${receiver.url}/conference?tenant=7`,
      statusCallbackEvent: 'start end join leave mute hold modify',
    };
    expect((await client().voice(a, name, { ...asked, participantLabel: 'host' })).statusCode).toBe(200);
    expect((await client().voice(b, name)).statusCode).toBe(200);
    expect((await client().participant('participant-mute', name, b, 1, { muted: true })).statusCode).toBe(
      204,
    );
    expect(
      (await client().participant('participant-hold', name, b, 2, { muted: true, hold: true })).statusCode,
    ).toBe(204);
    expect(
      (
        await client().participant('participant-modify', name, b, 3, {
          muted: true,
          hold: true,
          coaching: true,
        })
      ).statusCode,
    ).toBe(204);
    expect((await client().callStatus(b, 'completed')).statusCode).toBe(204);
    expect((await client().callStatus(a, 'completed')).statusCode).toBe(204);

    const expected = [
      'participant-join',
      'participant-join',
      'conference-start',
      'participant-mute',
      'participant-hold',
      'participant-modify',
      'participant-leave',
      'participant-leave',
      'conference-end',
    ];
    await eventually(() => forRoom(name).length === expected.length, 'every callback of the conference');
    const got = forRoom(name);
    expect(events(got)).toEqual(expected);
    expect(got.every((c) => c.valid && c.method === 'POST' && c.path === '/conference')).toBe(true);
    expect(sequenceNumbers(got)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const [joinA, joinB, start, mute, hold, modify, leaveB, , end] = got;
    expect(names(joinA as ReceivedCallback)).toEqual([...PARTICIPANT, 'ParticipantLabel'].sort());
    expect(joinA?.params).toMatchObject({
      AccountSid: t.account.sid,
      CallSid: a,
      FriendlyName: name,
      ParticipantLabel: 'host',
      Muted: 'false',
      Hold: 'false',
      StartConferenceOnEnter: 'true',
      EndConferenceOnExit: 'false',
    });
    expect(joinA?.params.ConferenceSid).toMatch(/^CF[0-9a-f]{32}$/);
    expect(joinA?.params.Timestamp).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(names(joinB as ReceivedCallback)).toEqual([...PARTICIPANT].sort());
    expect(names(start as ReceivedCallback)).toEqual([...ALWAYS].sort());
    expect(mute?.params).toMatchObject({ CallSid: b, Muted: 'true', Hold: 'false' });
    expect(hold?.params).toMatchObject({ CallSid: b, Muted: 'true', Hold: 'true' });
    expect(modify?.params).toMatchObject({ CallSid: b, Coaching: 'true' });
    expect(leaveB?.params).toMatchObject({
      CallSid: b,
      ParticipantCallStatus: 'completed',
      ReasonParticipantLeft: 'participant_hung_up',
    });
    expect(end?.params).toMatchObject({
      ReasonConferenceEnded: 'last-participant-left',
      CallSidEndingConference: a,
      ParticipantLabelEndingConference: 'host',
    });
    // Conclave decided this end itself: it makes up no free-text Reason in the platform's name.
    expect(end?.params).not.toHaveProperty('Reason');
    // The platform's Sid names the conference once it has reported one; a callback sent before the report
    // arrived carries the Sid Conclave minted, which stays valid for ever.
    const row = await t.database.db
      .selectFrom('conferences')
      .select(['sid', 'platform_sid'])
      .where('account_sid', '=', t.account.sid)
      .where('friendly_name', '=', name)
      .executeTakeFirstOrThrow();
    expect(row.platform_sid).toMatch(/^CF[0-9a-f]{32}$/);
    expect(end?.params.ConferenceSid).toBe(row.platform_sid);
    const sids = got.map((c) => c.params.ConferenceSid);
    const first = sids.indexOf(row.platform_sid as string);
    expect(sids.slice(0, first).every((sid) => sid === row.sid)).toBe(true);
    expect(sids.slice(first).every((sid) => sid === row.platform_sid)).toBe(true);
  });

  it('sends by GET with the parameters in the query, only the events asked for, to the first participant’s URL', async () => {
    deliver();
    const name = newRoom();
    const [a, b] = [newCallSid(), newCallSid()];
    await client().voice(a, name, {
      statusCallback: `${receiver.url}/first`,
      statusCallbackMethod: 'GET',
      statusCallbackEvent: 'join leave',
    });
    // Twilio fixes the conference's statusCallback with its first participant: this one is not used.
    await client().voice(b, name, {
      statusCallback: `${receiver.url}/second`,
      statusCallbackEvent: 'start end',
    });
    await client().callStatus(a, 'completed');
    await client().callStatus(b, 'completed');

    await eventually(() => forRoom(name).length === 4, 'the joins and leaves');
    const got = forRoom(name);
    expect(events(got)).toEqual([
      'participant-join',
      'participant-join',
      'participant-leave',
      'participant-leave',
    ]);
    expect(got.every((c) => c.valid && c.method === 'GET' && c.path === '/first')).toBe(true);
    // Numbered among all the conference's events, as Twilio does: start (3) and end (6) were not asked for.
    expect(sequenceNumbers(got)).toEqual([1, 2, 4, 5]);
  });

  // Twilio's participant-leave carries ParticipantCallStatus and ReasonParticipantLeft, with underscores
  // (../shared/reference/twilio-conference-api.md §11, statusCallback parameters).
  it("passes the platform's ParticipantCallStatus and ReasonParticipantLeft on to the app's participant-leave", async () => {
    deliver();
    const name = newRoom();
    const [a, b, c] = [newCallSid(), newCallSid(), newCallSid()];
    await client().voice(a, name, { statusCallback: `${receiver.url}/leaves`, statusCallbackEvent: 'leave' });
    await client().voice(b, name);
    await client().voice(c, name);
    // Taken out through the platform's API, its call going on elsewhere; then one hangs up.
    await client().participant(
      'participant-leave',
      name,
      b,
      3,
      {},
      {},
      {
        ReasonParticipantLeft: 'participant_updated_via_api',
        ParticipantCallStatus: 'in-progress',
      },
    );
    await client().participant(
      'participant-leave',
      name,
      c,
      4,
      {},
      {},
      {
        ReasonParticipantLeft: 'participant_hung_up',
        ParticipantCallStatus: 'completed',
      },
    );
    await eventually(() => forRoom(name).length === 2, 'the two leaves');
    const [movedOn, hungUp] = forRoom(name);
    expect(movedOn?.params).toMatchObject({
      CallSid: b,
      ParticipantCallStatus: 'in-progress',
      ReasonParticipantLeft: 'participant_updated_via_api',
    });
    expect(hungUp?.params).toMatchObject({
      CallSid: c,
      ParticipantCallStatus: 'completed',
      ReasonParticipantLeft: 'participant_hung_up',
    });
  });

  // Twilio stamps each callback with its own Timestamp (§11 "Always"): what the platform reported reaches the
  // app with the platform's time, however late its report reached Conclave; what Conclave decided itself
  // (a join its TwiML placed) carries the time Conclave recorded it.
  it("sends what the platform reported with the platform's Timestamp, and what Conclave decided with its own", async () => {
    deliver();
    const name = newRoom();
    const [a, b] = [newCallSid(), newCallSid()];
    const before = Date.now();
    await client().voice(a, name, {
      statusCallback: `${receiver.url}/times`,
      statusCallbackEvent: 'join leave mute end',
    });
    await client().voice(b, name);
    const after = Date.now();
    // The platform's clock, a minute ahead of Conclave's: its reports arrive at once but say when.
    const platform = Math.ceil(after / 1000) * 1000 + 60_000;
    const at = (seconds: number) => ({ Timestamp: platformTime(platform + seconds * 1000) });
    expect(
      (await client().participant('participant-mute', name, b, 1, { muted: true }, {}, at(0))).statusCode,
    ).toBe(204);
    const hangUp = client().callForm(b, { CallStatus: 'completed', ...at(2) });
    expect(
      (await client().send({ path: '/webhooks/call-status', form: hangUp, options: {} })).statusCode,
    ).toBe(204);
    expect((await client().participant('participant-leave', name, a, 3, {}, {}, at(3))).statusCode).toBe(204);

    await eventually(() => forRoom(name).length === 6, 'the joins, the mute, the leaves and the end');
    const got = forRoom(name).map((c) => [
      c.params.StatusCallbackEvent,
      c.params.CallSid ?? null,
      Date.parse(c.params.Timestamp ?? ''),
    ]);
    expect(got.slice(2)).toEqual([
      ['participant-mute', b, platform],
      ['participant-leave', b, platform + 2000],
      ['participant-leave', a, platform + 3000],
      ['conference-end', null, platform + 3000],
    ]);
    // Conclave's own times, at the whole seconds Twilio's format keeps.
    for (const [event, call, time] of got.slice(0, 2)) {
      expect([event, call]).toEqual(['participant-join', call === a ? a : b]);
      expect(time).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(time).toBeLessThanOrEqual(after);
    }
  });

  // Behind a real platform, Conclave records a join when its TwiML answers, before the platform has made the
  // conference; the platform names it in its own participant-join a moment later. CALLBACK_SID_WAIT holds
  // the conference's callbacks that long at most, so that the app sees only the platform's Sid.
  describe('with CALLBACK_SID_WAIT', () => {
    const asked = { statusCallback: `/sid-wait`, statusCallbackEvent: 'join' };
    const platformSidOf = async (name: string) =>
      (
        await t.database.db
          .selectFrom('conferences')
          .select('platform_sid')
          .where('account_sid', '=', t.account.sid)
          .where('friendly_name', '=', name)
          .executeTakeFirstOrThrow()
      ).platform_sid;
    const attemptsOn = async (name: string) =>
      Number(
        (
          await t.database.db
            .selectFrom('callbacks')
            .innerJoin('conferences', (join) =>
              join
                .onRef('conferences.account_sid', '=', 'callbacks.account_sid')
                .onRef('conferences.sid', '=', 'callbacks.conference_sid'),
            )
            .select((eb) => eb.fn.sum<string>('callbacks.attempts').as('attempts'))
            .where('conferences.friendly_name', '=', name)
            .executeTakeFirstOrThrow()
        ).attempts,
      );

    it("holds a conference's callbacks until the platform names it, then sends them with its Sid", async () => {
      deliver(60_000, 30_000);
      const [held, named] = [newRoom(), newRoom()];
      const [a, b] = [newCallSid(), newCallSid()];
      await client().voice(a, held, { ...asked, statusCallback: receiver.url + asked.statusCallback });
      await client().voice(b, named, { ...asked, statusCallback: receiver.url + asked.statusCallback });
      await client().participant('participant-join', named, b, 1);
      await eventually(() => forRoom(named).length === 1, 'the callback of the room the platform named');
      // Claimed in the same pass as the later one had it been free to go: it is still untried.
      expect(forRoom(held)).toEqual([]);
      expect(await attemptsOn(held)).toBe(0);
      expect(forRoom(named)[0]?.params.ConferenceSid).toBe(await platformSidOf(named));

      await client().participant('participant-join', held, a, 1);
      await eventually(() => forRoom(held).length === 1, 'the held callback, once the platform named it');
      const platformSid = await platformSidOf(held);
      expect(platformSid).toMatch(/^CF[0-9a-f]{32}$/);
      expect(forRoom(held)[0]?.params).toMatchObject({
        StatusCallbackEvent: 'participant-join',
        CallSid: a,
        ConferenceSid: platformSid,
      });
    });

    it('does not hold again a callback already tried: one put back by callbacks retry goes at once', async () => {
      receiver.behave(() => 'error');
      deliver(300);
      const name = await joinAndLeave(`${receiver.url}/retried`);
      const [conference] = await t.database.db
        .selectFrom('conferences')
        .select('sid')
        .where('account_sid', '=', t.account.sid)
        .where('friendly_name', '=', name)
        .execute();
      const failed = () =>
        listCallbacks(t.database.db, {
          accountSid: t.account.sid,
          conferenceSid: conference?.sid,
          status: 'failed',
          limit: 10,
        });
      await eventually(async () => (await failed()).length === 2, 'both callbacks given up');
      const ids = (await failed()).map((callback) => callback.id);
      await deliverer?.stop();
      receiver.behave(() => 'ok');
      deliver(60_000, 30_000);
      for (const id of ids)
        expect(await retryFailed(t.database.db, { accountSid: t.account.sid, id })).toBe(1);
      await eventually(() => forRoom(name).length === 2, 'the retried callbacks, well inside the wait');
    });

    it('sends them with the Sid Conclave minted once the wait is over, if the platform never names it', async () => {
      deliver(60_000, 1_000);
      const name = newRoom();
      const call = newCallSid();
      const before = Date.now();
      await client().voice(call, name, { ...asked, statusCallback: receiver.url + asked.statusCallback });
      await eventually(() => forRoom(name).length === 1, 'the callback, after the wait');
      expect(Date.now() - before).toBeGreaterThanOrEqual(1_000);
      const [conference] = await t.database.db
        .selectFrom('conferences')
        .select(['sid', 'platform_sid'])
        .where('account_sid', '=', t.account.sid)
        .where('friendly_name', '=', name)
        .execute();
      expect(conference?.platform_sid).toBeNull();
      expect(forRoom(name)[0]?.params.ConferenceSid).toBe(conference?.sid);
    });
  });

  it("names the platform's ender, with its label, when the platform's end comes before the leaves", async () => {
    deliver();
    const name = newRoom();
    // The room's state is kept as jsonb, whose keys come back sorted: the ender sorts first here.
    const [bee, ay] = [`CA0${newCallSid().slice(3)}`, `CAf${newCallSid().slice(3)}`];
    await client().voice(bee, name, {
      participantLabel: 'bee',
      statusCallback: `${receiver.url}/ends`,
      statusCallbackEvent: 'leave end',
    });
    await client().voice(ay, name, { participantLabel: 'ay' });
    // Twilio's free-text Reason has no documented wording: whatever the platform wrote is passed on as is.
    const words = 'Participant bee left the conference (as the platform put it)';
    await client().conference('conference-end', name, {
      SequenceNumber: '6',
      ReasonConferenceEnded: 'last-participant-left',
      CallSidEndingConference: bee,
      ParticipantLabelEndingConference: 'bee',
      Reason: words,
    });
    await eventually(() => forRoom(name).length === 3, 'the leaves and the end');
    const got = forRoom(name);
    expect(got.map((c) => [c.params.StatusCallbackEvent, c.params.CallSid ?? null])).toEqual([
      ['participant-leave', ay],
      ['participant-leave', bee],
      ['conference-end', null],
    ]);
    expect(got[2]?.params).toMatchObject({
      ReasonConferenceEnded: 'last-participant-left',
      CallSidEndingConference: bee,
      ParticipantLabelEndingConference: 'bee',
      Reason: words,
    });
  });

  it('without a statusCallback in the voice URL, the app gets nothing; the TwiML still points at Conclave', async () => {
    deliver();
    const name = newRoom();
    const call = newCallSid();
    const twiml = await client().voice(call, name, { statusCallback: `${receiver.url}/asked` });
    expect(twiml.body).not.toContain(receiver.url);
    expect(twiml.body).toContain('statusCallback="https://conclave.test/webhooks/conference-status"');
    const other = newRoom();
    await client().voice(newCallSid(), other);
    await client().callStatus(call, 'completed');
    // Default events for a statusCallback without statusCallbackEvent: start and end.
    await eventually(() => forRoom(name).length === 1, 'the end of the conference');
    expect(events(forRoom(name))).toEqual(['conference-end']);
    expect(forRoom(other)).toEqual([]);
  });

  // Twilio fails a <Conference> whose callback attributes it cannot take and goes on to the next verb; there
  // is none, so the call ends. An unknown event name is its 21626 (twilio.com/docs/api/errors/21626).
  it('ends the call, recording why, for a statusCallback that is not an absolute http(s) URL, an unknown event or method', async () => {
    const cases: { asked: Record<string, string>; code: number | undefined; detail: string }[] = [
      {
        asked: { statusCallback: '/relative' },
        code: undefined,
        detail: 'statusCallback is not an absolute http(s) URL',
      },
      {
        asked: { statusCallback: `${receiver.url}/x`, statusCallbackEvent: 'join explode' },
        code: 21626,
        detail: "statusCallbackEvent 'explode' is not valid",
      },
      {
        asked: { statusCallback: `${receiver.url}/x`, statusCallbackMethod: 'PUT' },
        code: undefined,
        detail: 'statusCallbackMethod is not GET or POST',
      },
    ];
    for (const { asked, code, detail } of cases) {
      const call = newCallSid();
      const answer = await client().voice(call, newRoom(), asked);
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toContain('<Hangup');
      expect(answer.body).not.toContain('<Dial');
      const [rejection] = await rejections(t, call);
      expect(rejection).toMatchObject({ reason: 'invalid-attribute', detail });
      expect(rejection?.code).toBe(code);
    }
  });

  it('retries while the app fails, then delivers everything in order with the same token on every try', async () => {
    let failing = true;
    receiver.behave((r) =>
      failing ? (r.params.StatusCallbackEvent === 'participant-join' ? 'error' : 'drop') : 'ok',
    );
    deliver();
    const name = newRoom();
    const [a, b] = [newCallSid(), newCallSid()];
    await client().voice(a, name, {
      statusCallback: `${receiver.url}/flaky`,
      statusCallbackEvent: 'join start end',
    });
    await client().voice(b, name);
    await client().callStatus(a, 'completed');
    await client().callStatus(b, 'completed');
    await eventually(
      () => receiver.received.filter((r) => r.params.FriendlyName === name).length >= 4,
      'retries',
    );
    // Nothing but the conference's first callback was tried: the others wait their turn.
    const tried = receiver.received.filter((r) => r.params.FriendlyName === name);
    expect(new Set(tried.map((r) => r.params.SequenceNumber))).toEqual(new Set(['1']));
    const [listed] = await listCallbacks(t.database.db, {
      accountSid: t.account.sid,
      limit: 100,
      status: 'pending',
    }).then((rows) => rows.filter((r) => r.sequenceNumber === 1 && r.url.endsWith('/flaky')));
    expect(listed?.attempts).toBeGreaterThanOrEqual(4);
    expect(listed?.lastError).toBe('HTTP 500');
    expect(listed?.nextAttemptAt).toBeInstanceOf(Date);

    failing = false;
    await eventually(() => forRoom(name).length === 4, 'every callback after the app recovers');
    expect(events(forRoom(name))).toEqual([
      'participant-join',
      'participant-join',
      'conference-start',
      'conference-end',
    ]);
    expect(sequenceNumbers(forRoom(name))).toEqual([1, 2, 3, 6]);
    const tokens = new Map<string, Set<string>>();
    for (const r of receiver.received.filter((x) => x.params.FriendlyName === name)) {
      const set = tokens.get(r.params.SequenceNumber ?? '') ?? new Set();
      set.add(r.idempotencyToken);
      tokens.set(r.params.SequenceNumber ?? '', set);
    }
    expect([...tokens.values()].every((set) => set.size === 1)).toBe(true);
    expect(receiver.overlapping).toBe(0);
  });

  /** One call joins a new room and hangs up, its join and leave asked for at `statusCallback`; the room. */
  async function joinAndLeave(statusCallback: string): Promise<string> {
    const name = newRoom();
    const call = newCallSid();
    await client().voice(call, name, { statusCallback, statusCallbackEvent: 'join leave' });
    await client().callStatus(call, 'completed');
    return name;
  }

  it('records a callback as failed after CALLBACK_RETRY_FOR, goes on with the next, and retries it on demand', async () => {
    receiver.behave((r) => (r.params.StatusCallbackEvent === 'participant-join' ? 'error' : 'ok'));
    deliver(300);
    const name = await joinAndLeave(`${receiver.url}/dead`);
    await eventually(() => forRoom(name).length === 1, 'the leave, after the join was given up');
    expect(events(forRoom(name))).toEqual(['participant-leave']);
    const failed = await listCallbacks(t.database.db, {
      accountSid: t.account.sid,
      status: 'failed',
      limit: 10,
    });
    // Only this conference's: a callback an earlier test's deliverer cut short when it stopped goes again here.
    const dead = failed.filter((f) => f.url === `${receiver.url}/dead`);
    expect(dead.map((f) => f.statusCallbackEvent)).toEqual(['participant-join']);

    receiver.behave(() => 'ok');
    expect(await retryFailed(t.database.db, { accountSid: t.account.sid, id: dead[0]?.id })).toBe(1);
    await eventually(() => forRoom(name).length === 2, 'the join, retried');
    expect(
      (await listCallbacks(t.database.db, { accountSid: t.account.sid, status: 'failed', limit: 10 })).filter(
        (f) => f.url === `${receiver.url}/dead`,
      ),
    ).toEqual([]);
  });

  it('starts the backoff over for a callback put back by callbacks retry, however often it was tried', async () => {
    receiver.behave(() => 'error');
    deliver(300);
    const name = await joinAndLeave(`${receiver.url}/worn`);
    const worn = async (status: 'failed' | 'delivered') =>
      (await listCallbacks(t.database.db, { accountSid: t.account.sid, status, limit: 10 })).filter(
        (c) => c.url === `${receiver.url}/worn`,
      );
    await eventually(async () => (await worn('failed')).length === 2, 'both given up');
    await deliverer?.stop();
    // Tried all day before it was given up: its tries had long since backed off to the ten-minute cap.
    await t.database.db
      .updateTable('callbacks')
      .set({ attempts: 200 })
      .where('url', '=', `${receiver.url}/worn`)
      .execute();
    let tries = 0;
    receiver.behave((r) => (r.params.FriendlyName === name && tries++ === 0 ? 'error' : 'ok'));
    for (const { id } of await worn('failed'))
      expect(await retryFailed(t.database.db, { accountSid: t.account.sid, id })).toBe(1);
    deliverer = startCallbackDeliverer(t.database.db, {
      retryForMs: 60_000,
      observer: t.app.metrics.callbacks,
      firstRetryMs: 50,
      pollMs: 20,
    });
    // The join fails once more and goes again after about 50 ms, not ten minutes.
    await eventually(() => forRoom(name).length === 2, 'the join on its second try, then the leave');
    expect(events(forRoom(name))).toEqual(['participant-join', 'participant-leave']);
    const attempts = Object.fromEntries(
      (await worn('delivered')).map((c) => [c.statusCallbackEvent, c.attempts]),
    );
    expect(attempts).toEqual({ 'participant-join': 202, 'participant-leave': 201 });
  });

  it('gives a callback that waited behind a failing one a retry window of its own', async () => {
    receiver.behave(() => 'error');
    await joinAndLeave(`${receiver.url}/down`);
    // Both are queued together, before the join's first try; the leave is due only once the join is given up.
    deliver(1000);
    const given = async () =>
      (await listCallbacks(t.database.db, { accountSid: t.account.sid, status: 'failed', limit: 10 })).filter(
        (c) => c.url === `${receiver.url}/down`,
      );
    await eventually(async () => (await given()).length === 2, 'both given up');
    const [leave, join] = await given();
    expect([join?.statusCallbackEvent, leave?.statusCallbackEvent]).toEqual([
      'participant-join',
      'participant-leave',
    ]);
    // Tried again 50, 100, 200 ms… after its first try: within its own second, more than once (measured from
    // when it was queued, it would have had one try, its window spent behind the join's).
    expect(leave?.attempts).toBeGreaterThan(1);
  });

  it('sends every conference event of the account to its sink, with no callback asked for in the voice URL', async () => {
    expect(await setEventsUrl(t.database.db, t.account.sid, `${receiver.url}/sink`)).toBe(true);
    try {
      deliver();
      const name = newRoom();
      const [a, b] = [newCallSid(), newCallSid()];
      await client().voice(a, name);
      await client().voice(b, name);
      await client().callStatus(a, 'completed');
      await client().callStatus(b, 'completed');
      await eventually(() => forRoom(name).length === 6, 'every event at the sink');
      const got = forRoom(name);
      expect(events(got)).toEqual([
        'participant-join',
        'participant-join',
        'conference-start',
        'participant-leave',
        'participant-leave',
        'conference-end',
      ]);
      expect(got.every((c) => c.valid && c.path === '/sink' && c.method === 'POST')).toBe(true);
      expect(increasing(sequenceNumbers(got))).toBe(true);
    } finally {
      await setEventsUrl(t.database.db, t.account.sid, null);
    }
  });

  it('shows delivered, retried, failed, pending and the delivery lag at /metrics', async () => {
    const metric = async (name: string) => {
      const text = (await t.app.inject({ url: '/metrics' })).body;
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return Number(line?.split(' ').at(-1) ?? Number.NaN);
    };
    // The counters count from the app's start, over the tests before this one too.
    const delivered = (await metric('conclave_callbacks_total{outcome="delivered"}')) || 0;
    const retried = (await metric('conclave_callbacks_total{outcome="retried"}')) || 0;
    let open = true;
    receiver.behave(() => (open ? 'error' : 'ok'));
    deliver();
    const name = newRoom();
    await client().voice(newCallSid(), name, {
      statusCallback: `${receiver.url}/m`,
      statusCallbackEvent: 'join',
    });
    await eventually(
      async () => (await metric('conclave_callbacks_total{outcome="retried"}')) >= retried + 2,
      'retries',
    );
    expect(await metric('conclave_callbacks_pending')).toBe(1);
    expect(await metric('conclave_callback_lag_seconds')).toBeGreaterThan(0);
    open = false;
    await eventually(async () => (await metric('conclave_callbacks_pending')) === 0, 'the backlog drained');
    expect(await metric('conclave_callbacks_total{outcome="delivered"}')).toBe(delivered + 1);
    expect(await metric('conclave_callback_lag_seconds')).toBe(0);
  });

  it('signs a URL with a #fragment as the app receives it, without the fragment, by POST and by GET', async () => {
    deliver();
    const name = newRoom();
    const [first, second] = [newCallSid(), newCallSid()];
    await client().voice(first, name, {
      statusCallback: `${receiver.url}/fragment?tenant=7#section`,
      statusCallbackEvent: 'join',
    });
    await client().voice(second, name);
    const byGet = newRoom();
    await client().voice(newCallSid(), byGet, {
      statusCallback: `${receiver.url}/fragment#section`,
      statusCallbackMethod: 'GET',
      statusCallbackEvent: 'join',
    });
    await eventually(() => forRoom(name).length === 2 && forRoom(byGet).length === 1, 'the joins');
    for (const got of [...forRoom(name), ...forRoom(byGet)]) {
      expect(got.path).toBe('/fragment');
      expect(got.valid).toBe(true);
    }
  });

  it('sends the credentials of a user:password@ URL as HTTP Basic auth and signs the URL without them', async () => {
    deliver();
    const name = newRoom();
    const call = newCallSid();
    const withCredentials = receiver.url.replace('http://', 'http://app:s%3Acret@');
    await client().voice(call, name, {
      statusCallback: `${withCredentials}/basic`,
      statusCallbackEvent: 'join',
    });
    await eventually(() => forRoom(name).length === 1, 'the join');
    const [join] = forRoom(name);
    expect(join?.valid).toBe(true);
    expect(join?.authorization).toBe(`Basic ${Buffer.from('app:s:cret').toString('base64')}`);
    // The password is the app's secret: the event history shows the URL without it.
    const sid = join?.params.ConferenceSid ?? '';
    const basic = Buffer.from(`${t.account.sid}:${t.account.authToken}`).toString('base64');
    const history = await t.app.inject({
      url: `/2010-04-01/Accounts/${t.account.sid}/Conferences/${sid}/Events.json`,
      headers: { authorization: `Basic ${basic}` },
    });
    expect(history.statusCode).toBe(200);
    expect(history.body).not.toContain('cret');
    expect(history.body).toContain('app:***@127.0.0.1');
  });
});
