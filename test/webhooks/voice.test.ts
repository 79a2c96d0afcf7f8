import { describe, expect, it } from 'vitest';
import { PUBLIC_URL, useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { type Form, newCallSid, webhookClient } from './client.js';
import { conferenceOf, parseTwiml } from './parse-twiml.js';
import { conferences, countRows, participants, snapshot } from './read-models.js';

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

const badAttribute = (name: string, value: string, reason: string): Refusal => ({
  what: `${name}=${JSON.stringify(value)}`,
  query: [
    ['FriendlyName', `bad ${name}`],
    [name, value],
  ],
  reason,
});

const BAD_ATTRIBUTES: [name: string, value: string, reason: string][] = [
  ['muted', 'yes', "muted is 'yes': expected true or false"],
  ['startConferenceOnEnter', '1', "startConferenceOnEnter is '1': expected true or false"],
  ['endConferenceOnExit', 'TRUE', "endConferenceOnExit is 'TRUE': expected true or false"],
  ['beep', 'loud', "beep is 'loud': expected one of true, false, onEnter, onExit"],
  ['maxParticipants', '1', "maxParticipants is '1': expected a whole number from 2 to 250"],
  ['maxParticipants', '251', "maxParticipants is '251': expected a whole number from 2 to 250"],
  ['maxParticipants', 'ten', "maxParticipants is 'ten': expected a whole number from 2 to 250"],
  ['maxParticipants', '2.5', "maxParticipants is '2.5': expected a whole number from 2 to 250"],
  ['maxParticipants', '', "maxParticipants is '': expected a whole number from 2 to 250"],
  ['participantLabel', 'x'.repeat(129), 'participantLabel is'],
  ['participantLabel', '  ', "participantLabel is '  ': expected 1 to 128 characters, not all blank"],
  ['coach', 'CA123', "coach is 'CA123': expected CA followed by 32 hexadecimal digits"],
  ['waitMethod', 'PUT', "waitMethod is 'PUT': expected one of GET, POST"],
  ['waitUrl', 'ftp://music.example.com/', 'waitUrl is not an http(s) URL'],
  ['waitUrl', 'http://[oops/', 'waitUrl is not a URL'],
  ['record', 'always', "record is 'always': expected one of do-not-record, record-from-start"],
  ['trim', 'yes', "trim is 'yes': expected one of trim-silence, do-not-trim"],
  ['region', 'eu1', "region is 'eu1': expected one of us1, us2, ie1, de1, sg1, br1, au1, jp1"],
  ['jitterBufferSize', 'huge', "jitterBufferSize is 'huge': expected one of small, medium, large, off"],
];

const absentCoach = newCallSid();

const REFUSED: Refusal[] = [
  ...BAD_ATTRIBUTES.map(([name, value, reason]) => badAttribute(name, value, reason)),
  {
    what: 'a participantLabel already in use in the conference',
    before: (client) => client.voice(newCallSid(), 'labels', { participantLabel: 'agent' }),
    query: [
      ['FriendlyName', 'labels'],
      ['participantLabel', 'agent'],
    ],
    reason: "participantLabel 'agent' is already in use",
  },
  {
    what: 'a coach that is not in the conference',
    before: (client) => client.voice(newCallSid(), 'coaching'),
    query: [
      ['FriendlyName', 'coaching'],
      ['coach', absentCoach],
    ],
    reason: `coach ${absentCoach} is not a participant`,
  },
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
  {
    what: 'an empty FriendlyName',
    query: [['FriendlyName', '']],
    reason: "FriendlyName is '': expected 1 to 128 characters",
  },
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
    const audit = await t.database.db
      .selectFrom('events')
      .select('data')
      .where('account_sid', '=', t.account.sid)
      .where('type', '=', 'JoinRejected')
      .execute();
    expect(audit.map((e) => e.data)).toContainEqual(
      expect.objectContaining({ callSid: turnedAway, reason: 'conference-full' }),
    );
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
