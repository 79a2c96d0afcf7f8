import { describe, expect, it } from 'vitest';
import { PUBLIC_URL, useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { type Form, newCallSid, webhookClient } from './client.js';
import { conferenceOf, parseTwiml } from './parse-twiml.js';
import {
  conferences,
  connectedCallSids,
  countRows,
  participants,
  rejections,
  snapshot,
} from './read-models.js';

const CALLBACKS = {
  statusCallback: `${PUBLIC_URL}/webhooks/conference-status`,
  statusCallbackMethod: 'POST',
  statusCallbackEvent: 'start end join leave mute hold modify',
};

/** A <Conference> attribute the voice webhook takes and echoes in its TwiML exactly as given. */
const ACCEPTED = [
  ['beep', 'true'],
  ['beep', 'false'],
  ['beep', 'onEnter'],
  ['maxParticipants', '2'],
  ['maxParticipants', '250'],
  ['region', 'us1'],
  ['jitterBufferSize', 'small'],
  ['jitterBufferSize', 'medium'],
  ['waitUrl', '/hold-music.xml'],
  ['waitUrl', '', 'an empty waitUrl, which asks for silence'],
  ['participantLabel', '𝄞'.repeat(128), 'a participantLabel of 128 characters, not UTF-16 units'],
].map(([name, value, what]) => ({ name, value, what: what ?? `${name}=${value}` }) as Accepted);

interface Accepted {
  name: string;
  value: string;
  what: string;
}

/** A voice request the webhook refuses with 400 and a plain reason. */
interface Refusal {
  what: string;
  /** The request's query, as name-value pairs (a name may repeat). */
  query: [string, string][];
  /** Changes to the call's form; undefined leaves a parameter out. */
  form?: Record<string, string | undefined>;
  /** What is sent first, with the same client. */
  before?: (client: ReturnType<typeof webhookClient>) => Promise<unknown>;
  /** What the plain-text answer must contain. */
  reason: string;
}

/** Requests that are not the platform's: attribute values get what Twilio gives them (see below). */
const REFUSED: Refusal[] = [
  {
    what: 'no CallSid',
    query: [['FriendlyName', 'missing']],
    form: { CallSid: undefined },
    reason: 'CallSid is missing',
  },
  {
    what: 'no AccountSid',
    query: [['FriendlyName', 'missing']],
    form: { AccountSid: undefined },
    reason: 'AccountSid is missing',
  },
  {
    what: 'a malformed CallSid',
    query: [['FriendlyName', 'missing']],
    form: { CallSid: 'CA-not-a-sid' },
    reason: "CallSid is 'CA-not-a-sid': expected CA followed by",
  },
  {
    what: 'a malformed AccountSid',
    query: [['FriendlyName', 'missing']],
    form: { AccountSid: 'AC12' },
    reason: "AccountSid is 'AC12': expected AC followed by",
  },
  { what: 'no FriendlyName', query: [], reason: 'FriendlyName is missing' },
  { what: 'an empty FriendlyName', query: [['FriendlyName', '']], reason: 'FriendlyName is missing' },
  {
    what: 'a FriendlyName of 129 characters',
    query: [['FriendlyName', 'r'.repeat(129)]],
    reason: 'FriendlyName is',
  },
  {
    what: 'a control character in FriendlyName',
    query: [['FriendlyName', 'a\u0000b']],
    reason: 'FriendlyName holds a control',
  },
  {
    // PostgreSQL's jsonb cannot hold a NUL, so the word could not even be recorded as the reason for refusing.
    what: 'a control character in a statusCallbackEvent word',
    query: [
      ['FriendlyName', 'events'],
      ['statusCallbackEvent', 'join \u0000'],
    ],
    reason: 'statusCallbackEvent holds a control character',
  },
  {
    what: 'a control character in a recordingStatusCallbackEvent word',
    query: [
      ['FriendlyName', 'events'],
      ['recordingStatusCallback', 'https://app.example/recordings'],
      ['recordingStatusCallbackEvent', 'completed\u0000'],
    ],
    reason: 'recordingStatusCallbackEvent holds a control character',
  },
  {
    what: 'FriendlyName twice',
    query: [
      ['FriendlyName', 'a'],
      ['FriendlyName', 'b'],
    ],
    reason: 'FriendlyName is given 2 times',
  },
];

describe.each(databaseKinds)('voice webhook on $name', (kind) => {
  const t = useApp(kind);
  const client = () => webhookClient(t);

  it('joins the room and answers <Dial><Conference> with Twilio defaults and Conclave callbacks', async () => {
    const call = newCallSid();
    const response = await client().voice(call, 'defaults');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/xml/);
    const twiml = parseTwiml(response.body);
    // The call's first visit: its leave is told from a later visit's by the URL.
    expect(twiml.Dial?.action).toBe(`${PUBLIC_URL}/webhooks/dial-action?FriendlyName=defaults&Visit=1`);
    expect(twiml.Dial?.method).toBe('POST');
    expect(conferenceOf(response.body)).toEqual({
      text: 'defaults',
      muted: 'false',
      beep: 'true',
      startConferenceOnEnter: 'true',
      endConferenceOnExit: 'false',
      maxParticipants: '250',
      waitMethod: 'POST',
      record: 'do-not-record',
      trim: 'trim-silence',
      jitterBufferSize: 'large',
      ...CALLBACKS,
    });

    const [conference] = await conferences(t, 'defaults');
    expect(conference).toMatchObject({ status: 'init', region: null, reason_conference_ended: null });
    const rows = await participants(t, conference?.sid ?? '');
    expect(rows).toEqual([
      expect.objectContaining({
        call_sid: call,
        label: null,
        status: 'connected',
        muted: false,
        hold: false,
        coaching: false,
        call_sid_to_coach: null,
        start_conference_on_enter: true,
        end_conference_on_exit: false,
        beep: 'true',
        from_number: '+15550100',
        to_number: '+15550199',
      }),
    ]);
  });

  it('echoes every attribute given and records those that shape the participant and the conference', async () => {
    const coached = newCallSid();
    await client().voice(coached, 'all attributes', { region: 'ie1', record: 'record-from-start' });
    const call = newCallSid();
    const attributes = {
      muted: 'true',
      beep: 'onExit',
      startConferenceOnEnter: 'false',
      endConferenceOnExit: 'true',
      maxParticipants: '12',
      participantLabel: 'Agent "Smith" & co',
      coach: coached,
      waitUrl: 'https://music.example.com/wait?a=1&b=2',
      waitMethod: 'GET',
      record: 'do-not-record',
      trim: 'do-not-trim',
      region: 'jp1',
      jitterBufferSize: 'off',
    };
    const response = await client().voice(call, 'all attributes', attributes);
    expect(response.statusCode).toBe(200);
    expect(conferenceOf(response.body)).toEqual({ text: 'all attributes', ...attributes, ...CALLBACKS });

    const [conference] = await conferences(t, 'all attributes');
    // Room-wide settings come from the participant who opened the conference.
    expect(conference?.region).toBe('ie1');
    const joined = (await participants(t, conference?.sid ?? '')).find((p) => p.call_sid === call);
    expect(joined).toMatchObject({
      label: 'Agent "Smith" & co',
      muted: true,
      beep: 'onExit',
      start_conference_on_enter: false,
      end_conference_on_exit: true,
      coaching: true,
      call_sid_to_coach: coached,
    });
  });

  it.each(ACCEPTED)('accepts $what', async ({ name, value, what }) => {
    const response = await client().voice(newCallSid(), `accepts ${what}`, { [name]: value });
    expect(response.statusCode).toBe(200);
    expect(conferenceOf(response.body)[name]).toBe(value);
  });

  it('gives back a room name with markup characters, spaces and any Unicode exactly', async () => {
    const name = ` R&D <"Q1"> 'plan' &amp; café ☃ 𝄞 日本語 `;
    const response = await client().voice(newCallSid(), name);
    expect(response.statusCode).toBe(200);
    expect(conferenceOf(response.body).text).toBe(name);
    expect(await conferences(t, name)).toHaveLength(1);
  });

  it('takes the request by GET with every parameter in the query', async () => {
    const call = newCallSid();
    const response = await client().voice(call, 'by GET', { muted: 'true' }, { method: 'GET' });
    expect(response.statusCode).toBe(200);
    expect(conferenceOf(response.body)).toMatchObject({ text: 'by GET', muted: 'true' });
    const [conference] = await conferences(t, 'by GET');
    expect(await participants(t, conference?.sid ?? '')).toEqual([
      expect.objectContaining({ call_sid: call, muted: true }),
    ]);
  });

  it('gives the same TwiML to a repeated request for a call already in the room, and changes nothing', async () => {
    const call = newCallSid();
    const attributes = { participantLabel: 'host', muted: 'true' };
    const first = await client().voice(call, 'repeated', attributes, { token: 'voice-1' });
    const before = await snapshot(t);
    const retried = await client().voice(call, 'repeated', attributes, { token: 'voice-1' });
    const again = await client().voice(call, 'repeated', attributes, { token: 'voice-2' });
    const untokened = await client().voice(call, 'repeated', attributes);
    for (const response of [retried, again, untokened]) {
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(first.body);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('turns a caller away from a full room with TwiML that says so and hangs up, recording no participant', async () => {
    const room = 'full room';
    await client().voice(newCallSid(), room, { maxParticipants: '2' });
    await client().voice(newCallSid(), room);
    const turnedAway = newCallSid();
    const response = await client().voice(turnedAway, room);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/xml/);
    const twiml = parseTwiml(response.body);
    expect(twiml.Dial).toBeUndefined();
    expect(twiml.Say).toMatch(/maximum number of participants/);
    expect(twiml.Hangup).toBe('');

    const [conference] = await conferences(t, room);
    const rows = await participants(t, conference?.sid ?? '');
    expect(rows).toHaveLength(2);
    expect(rows.map((p) => p.call_sid)).not.toContain(turnedAway);
    expect(await rejections(t, turnedAway)).toEqual([
      expect.objectContaining({ callSid: turnedAway, reason: 'conference-full' }),
    ]);
  });

  it('hangs up on a call that has ended instead of joining it anywhere', async () => {
    const call = newCallSid();
    await client().voice(call, 'before the end');
    expect((await client().callStatus(call, 'completed')).statusCode).toBe(204);
    const response = await client().voice(call, 'after the end');
    expect(response.statusCode).toBe(200);
    expect(parseTwiml(response.body)).toEqual({ Hangup: '' });
    expect(await conferences(t, 'after the end')).toEqual([]);
  });

  // Twilio's 16025: a duplicate label does not join, and the call goes on to the next verb; there is none,
  // so it ends (twilio.com/docs/api/errors/16025).
  it('answers a participantLabel already in use with 200 TwiML that hangs up, and records why (16025)', async () => {
    const room = 'labels';
    await client().voice(newCallSid(), room, { participantLabel: 'agent' });
    const call = newCallSid();
    const response = await client().voice(call, room, { participantLabel: 'agent' });
    expect(response.statusCode).toBe(200);
    expect(parseTwiml(response.body)).toEqual({ Hangup: '' });
    expect(await rejections(t, call)).toMatchObject([{ reason: 'duplicate-label', code: 16025 }]);
    const [conference] = await conferences(t, room);
    expect((await participants(t, conference?.sid ?? '')).map((p) => p.call_sid)).not.toContain(call);
  });

  it('answers a coach whose call is not in the conference with 200 TwiML that hangs up (13240)', async () => {
    const room = 'coaching';
    await client().voice(newCallSid(), room);
    const call = newCallSid();
    const response = await client().voice(call, room, { coach: newCallSid() });
    expect(response.statusCode).toBe(200);
    expect(parseTwiml(response.body)).toEqual({ Hangup: '' });
    expect(await rejections(t, call)).toMatchObject([{ reason: 'coach-not-connected', code: 13240 }]);
  });

  // Twilio's warnings (its error dictionary, 1323x): the default applies and the call goes on.
  it.each([
    ['muted', 'yes', 13230, 'false'],
    ['startConferenceOnEnter', '1', 13232, 'true'],
    ['endConferenceOnExit', 'TRUE', 13231, 'false'],
    ['beep', 'loud', 13235, 'true'],
    ['waitMethod', 'PUT', 13234, 'POST'],
    ['waitUrl', 'ftp://music.example.com/', 13233, undefined],
    ['waitUrl', 'http://[oops/', 13233, undefined],
    // Kept, logged and served without its credentials.
    ['waitUrl', 'ftp://music:S3cret@example.com/', 13233, undefined, 'ftp://music:***@example.com/'],
    ['waitUrl', 'music:S3cret@example.com/hold', 13233, undefined, 'music:***@example.com/hold'],
    ['trim', 'yes', 13239, 'trim-silence'],
    ['record', 'always', null, 'do-not-record'],
    ['region', 'eu1', null, undefined],
    ['jitterBufferSize', 'huge', null, 'large'],
  ])(
    'joins with the default for %s=%j, which Twilio only warns about, and keeps the warning',
    async (name, value, code, echoed, kept = value) => {
      const room = `warned ${name} ${value}`;
      const call = newCallSid();
      const response = await client().voice(call, room, { [name]: value });
      expect(response.statusCode).toBe(200);
      expect(conferenceOf(response.body)[name]).toBe(echoed);
      const [conference] = await conferences(t, room);
      expect(await connectedCallSids(t, conference?.sid ?? '')).toEqual([call]);
      const joined = await t.database.db
        .selectFrom('events')
        .select('data')
        .where('account_sid', '=', t.account.sid)
        .where('type', '=', 'ParticipantJoined')
        .where('friendly_name', '=', room)
        .executeTakeFirstOrThrow();
      expect(joined.data).toMatchObject({ warnings: [{ attribute: name, value: kept, code }] });
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(
        new RegExp(`conclave_attribute_warnings_total\\{attribute="${name}"\\} [1-9]`),
      );
    },
  );

  // Twilio fails the join for these (16002, 16023, 13240): 200 TwiML that ends the call, and the code kept.
  it.each([
    ['maxParticipants', '1', 16002],
    ['maxParticipants', '251', 16002],
    ['maxParticipants', 'ten', 16002],
    ['maxParticipants', '2.5', 16002],
    ['participantLabel', 'x'.repeat(129), 16023],
    ['participantLabel', 'team/lead', 16023],
    ['participantLabel', `CA${'a'.repeat(32)}`, 16023],
    ['coach', 'CA123', 13240],
  ])(
    'does not join a call with %s=%j: 200 TwiML that hangs up, and JoinRejected with %i',
    async (name, value, code) => {
      const room = `failed ${name} ${value.slice(0, 20)}`;
      const call = newCallSid();
      const response = await client().voice(call, room, { [name]: value });
      expect(response.statusCode).toBe(200);
      expect(parseTwiml(response.body)).toEqual({ Hangup: '' });
      expect(await rejections(t, call)).toMatchObject([{ reason: 'invalid-attribute', code }]);
      expect(await conferences(t, room)).toEqual([]);
    },
  );

  it('takes an empty optional parameter as absent', async () => {
    const call = newCallSid();
    const response = await client().voice(call, 'empty values', {
      maxParticipants: '',
      participantLabel: '',
      coach: '',
      muted: '',
    });
    expect(response.statusCode).toBe(200);
    const conference = conferenceOf(response.body);
    expect(conference).toMatchObject({ maxParticipants: '250', muted: 'false' });
    expect(conference.participantLabel).toBeUndefined();
  });

  it('asks for recording callbacks to Conclave when the conference records', async () => {
    const response = await client().voice(newCallSid(), 'recorded', { record: 'record-from-start' });
    expect(conferenceOf(response.body)).toMatchObject({
      record: 'record-from-start',
      recordingStatusCallback: `${PUBLIC_URL}/webhooks/recording-status?FriendlyName=recorded`,
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvent: 'in-progress completed absent',
    });
    const plain = await client().voice(newCallSid(), 'not recorded');
    expect(conferenceOf(plain.body).recordingStatusCallback).toBeUndefined();
  });

  it('accepts a participantLabel of 128 characters, counted as characters rather than UTF-16 units', async () => {
    const label = '𝄞'.repeat(128);
    const response = await client().voice(newCallSid(), 'long label', { participantLabel: label });
    expect(response.statusCode).toBe(200);
    expect(conferenceOf(response.body).participantLabel).toBe(label);
  });

  it.each([
    ['no CallSid', { CallSid: undefined }, 'CallSid is missing'],
    ['no AccountSid', { AccountSid: undefined }, 'AccountSid is missing'],
    [
      'a malformed CallSid',
      { CallSid: 'CA-not-a-sid' },
      "CallSid is 'CA-not-a-sid': expected CA followed by",
    ],
    ['a malformed AccountSid', { AccountSid: 'AC12' }, "AccountSid is 'AC12': expected AC followed by"],
  ])('refuses a request with %s with 400', async (_, change, reason) => {
    const form = Object.fromEntries(
      Object.entries({ ...client().callForm(newCallSid()), ...change }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    const response = await client().send({
      path: '/webhooks/voice',
      form,
      options: { query: { FriendlyName: 'missing' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(reason);
  });

  it.each([
    ['without FriendlyName', {}, 'FriendlyName is missing'],
    ['with an empty FriendlyName', { FriendlyName: '' }, 'FriendlyName is missing'],
    ['with a FriendlyName of 129 characters', { FriendlyName: 'r'.repeat(129) }, 'FriendlyName is'],
    [
      'with a control character in FriendlyName',
      { FriendlyName: 'a\u0000b' },
      'FriendlyName holds a control',
    ],
    ['with FriendlyName twice', { FriendlyName: ['a', 'b'] }, 'FriendlyName is given 2 times'],
  ])('refuses a request %s with 400', async (_, query, reason) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
    }
    const url = `/webhooks/voice${search.size > 0 ? `?${search}` : ''}`;
    const response = await client().send({ path: url, form: client().callForm(newCallSid()), options: {} });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(reason);
  });
  it.each(REFUSED)('refuses $what with 400 and a plain reason, recording nothing', async (refusal) => {
    await refusal.before?.(client());
    const before = await countRows(t, 'events');
    const path = `/webhooks/voice${refusal.query.length > 0 ? `?${new URLSearchParams(refusal.query)}` : ''}`;
    const form = Object.fromEntries(
      Object.entries({
        ...client().callForm(newCallSid(), { CallStatus: 'ringing' }),
        ...refusal.form,
      }).filter(([, value]) => value !== undefined),
    ) as Form;
    const response = await client().send({ path, form, options: {} });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain(refusal.reason);
    expect(await countRows(t, 'events')).toBe(before);
  });
});
