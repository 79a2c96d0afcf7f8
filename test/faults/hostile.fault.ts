// Hostile input: fast-check sends over ten thousand generated requests to every route (webhooks, REST,
// health, metrics, and paths that exist nowhere) with random and malformed bodies, headers and encodings,
// huge and unicode values, injection strings in every parameter, bad Sids and page tokens, and credentials
// and signatures right, wrong, foreign or missing. Whatever comes: no 5xx, no crash, no change of state
// without a valid signature, nothing of one account in an answer to another, and no secret (auth token,
// signature, credentials) in any answer or log line.

import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { loggerOptions } from '../../src/logging.js';
import { computeSignature } from '../../src/signature.js';
import { type Account, newAccount, saveAccount } from '../../src/store/accounts.js';
import type { Database } from '../../src/store/database.js';
import { testConfig } from '../helpers/app.js';
import { postgresKind } from '../helpers/databases.js';
import { trickle } from '../helpers/trickle.js';
import { newCallSid } from '../webhooks/client.js';
import { Edge, type EdgeAccount, faultSeed, injectTransport, playRooms, probeJoin, seeded } from './edge.js';
import { expectInvariants } from './invariants.js';
import { Ledger, report } from './ledger.js';
import { expectVerified, PUBLIC_URL, useDatabases } from './servers.js';

const RUNS = 10_500;

interface Tenant {
  account: Account;
  edge: EdgeAccount;
  /** Strings only this account's answers may hold: its Sids, room names and call Sids. */
  data: string[];
  conferenceSids: string[];
  callSids: string[];
}

/** Everything that a request can change, in one row: equal before and after means nothing changed. */
async function fingerprint(database: Database): Promise<string> {
  const { rows } = await sql<{ state: string }>`SELECT concat_ws(' ',
    (SELECT count(*) FROM inbox), (SELECT max(global_position) FROM events), (SELECT count(*) FROM calls),
    (SELECT count(*) FROM rooms), (SELECT sum(version) FROM rooms), (SELECT count(*) FROM conferences),
    (SELECT count(*) FROM participants), (SELECT count(*) FROM accounts)) AS state`.execute(database.db);
  return rows[0]?.state ?? '';
}

const INJECTIONS = [
  "' OR '1'='1",
  '"; DROP TABLE events; --',
  "'); DELETE FROM accounts; --",
  '<script>alert(1)</script>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  ']]><Hangup/><![CDATA[',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  '\u0000',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup, sent as it is
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '%',
  '%zz',
  '%C3%28',
  '%ED%A0%80',
  '%FF%FE',
  '\r\nSet-Cookie: x=y',
  '😀'.repeat(60),
  '\u202e\u0301\ufeff\ud800',
  'A'.repeat(5000),
  'NaN',
  '-1',
  '1e309',
  '9007199254740993',
  '0x10',
  ' ',
  '',
  'null',
  '[]',
  '{"$gt":""}',
];

const WEBHOOK_PARAMS = [
  'AccountSid',
  'CallSid',
  'FriendlyName',
  'CallStatus',
  'StatusCallbackEvent',
  'SequenceNumber',
  'Timestamp',
  'ConferenceSid',
  'Muted',
  'Hold',
  'Coaching',
  'EndConferenceOnExit',
  'StartConferenceOnEnter',
  'CallSidToCoach',
  'ParticipantLabel',
  'ReasonConferenceEnded',
  'CallSidEndingConference',
  'DialCallStatus',
  'From',
  'To',
  'startConferenceOnEnter',
  'endConferenceOnExit',
  'muted',
  'beep',
  'maxParticipants',
  'coach',
  'participantLabel',
  'waitUrl',
  'waitMethod',
  'record',
  'trim',
  'region',
  'jitterBufferSize',
];
const REST_PARAMS = [
  'PageSize',
  'Page',
  'PageToken',
  'Status',
  'FriendlyName',
  'DateCreated',
  'DateCreated<',
  'DateCreated>',
  'DateCreated%3C',
  'DateUpdated',
  'DateUpdated<',
  'DateUpdated>',
  'Muted',
  'Hold',
  'Coaching',
  'History',
];
const EVENTS = [
  'participant-join',
  'participant-leave',
  'participant-mute',
  'participant-hold',
  'conference-end',
];
const WEBHOOKS = [
  '/webhooks/voice',
  '/webhooks/call-status',
  '/webhooks/dial-action',
  '/webhooks/conference-status',
];

/** Percent-encodes text as UTF-8; a lone surrogate, which UTF-8 cannot carry, goes as U+FFFD. */
function percentEncoded(text: string): string {
  return encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
}

interface Generated {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** A webhook signed right for the account it names: the only request that may change state. */
  signed: boolean;
  /** The account whose credentials or signature the request carries, if any. */
  as: Tenant | null;
  /** Signatures and credentials made from a real token, which must never be logged. */
  carries: string[];
}

function arbitraries(ours: Tenant, theirs: Tenant) {
  const hex = (length: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
  const sid = fc.oneof(
    fc.constantFrom(...ours.conferenceSids, ...ours.callSids, ...theirs.conferenceSids, ...theirs.callSids),
    fc.constantFrom(ours.account.sid, theirs.account.sid),
    fc.tuple(fc.constantFrom('CA', 'CF', 'AC', 'EV', 'ca', 'cf', 'XX', ''), hex(32)).map(([p, h]) => p + h),
    fc.tuple(fc.constantFrom('CA', 'CF', 'AC'), fc.nat(40).chain(hex)).map(([p, h]) => p + h),
  );
  const pageToken = fc.oneof(
    fc.tuple(fc.constantFrom('PA', 'PB', 'PC', 'P', ''), fc.oneof(sid, fc.string())).map(([p, k]) => p + k),
  );
  const value = fc.oneof(
    { arbitrary: fc.string(), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 2 },
    { arbitrary: fc.constantFrom(...INJECTIONS), weight: 3 },
    { arbitrary: sid, weight: 3 },
    { arbitrary: pageToken, weight: 1 },
    { arbitrary: fc.integer().map(String), weight: 1 },
    { arbitrary: fc.constantFrom('true', 'false', 'completed', 'in-progress', '2021-02-30'), weight: 2 },
    { arbitrary: fc.constantFrom(...EVENTS), weight: 2 },
    { arbitrary: fc.constantFrom('x'.repeat(70_000), 'é'.repeat(20_000)), weight: 1 },
  );
  const params = (names: string[]) =>
    fc.dictionary(fc.oneof({ arbitrary: fc.constantFrom(...names), weight: 5 }, fc.string()), value, {
      maxKeys: 8,
    });
  const tenant = fc.constantFrom<Tenant | null>(ours, ours, theirs, null);
  const query = (entries: Record<string, string>, raw: boolean) => {
    const pairs = Object.entries(entries);
    if (pairs.length === 0) return '';
    // Raw: as a careless client writes it, unescaped; otherwise percent-encoded as a form would be.
    return `?${pairs.map(([k, v]) => (raw ? `${k}=${v}` : `${percentEncoded(k)}=${percentEncoded(v)}`)).join('&')}`;
  };
  const segment = (text: string, raw: boolean) => (raw ? text : percentEncoded(text));

  // Encodings and proxies' headers that a webhook route does not expect.
  const extraHeaders = fc.option(
    fc.constantFrom<Record<string, string>>(
      { 'content-encoding': 'gzip' },
      { 'content-encoding': 'br, deflate' },
      { 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' },
      { host: 'evil.test:1' },
      { accept: 'application/json;q=0' },
      { 'i-twilio-idempotency-token': 'ÿ' },
    ),
    { freq: 2, nil: {} },
  );
  const bool = fc.constantFrom('true', 'false');
  const wellFormed = fc
    .record({
      CallSid: fc.constantFrom(...Array.from({ length: 8 }, newCallSid)),
      FriendlyName: fc.constantFrom('hostile room', 'комната', '<&"\'>'),
      StatusCallbackEvent: fc.constantFrom(...EVENTS),
      CallStatus: fc.constantFrom('completed', 'in-progress', 'busy'),
      Muted: bool,
      Hold: bool,
      Coaching: fc.constant('false'),
      EndConferenceOnExit: bool,
      SequenceNumber: fc.nat(50).map(String),
    })
    .chain((form) =>
      fc.record({
        form: fc.constant(form),
        query: fc.record({
          FriendlyName: fc.constant(form.FriendlyName),
          maxParticipants: fc.constantFrom('2', '3', '250'),
        }),
      }),
    );
  // Careful webhooks are signed right and well formed but for a hostile value now and then, so that many
  // reach the store; the others are hostile in every part.
  const webhook = (careful: boolean): fc.Arbitrary<Generated> =>
    fc
      .record({
        method: careful
          ? fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET')
          : fc.constantFrom('POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        path: fc.constantFrom(...WEBHOOKS),
        wellFormed: careful ? wellFormed : fc.option(wellFormed, { freq: 2, nil: undefined }),
        query: fc.option(params(WEBHOOK_PARAMS), { freq: careful ? 5 : 2, nil: {} }),
        form: fc.option(params(WEBHOOK_PARAMS), { freq: careful ? 5 : 2, nil: {} }),
        names: careful ? fc.constantFrom(ours, ours, theirs) : tenant,
        signing: careful
          ? fc.constant('valid' as const)
          : fc.constantFrom('valid', 'other-token', 'garbage', 'none', 'other-url'),
        contentType: careful
          ? fc.constant('application/x-www-form-urlencoded')
          : fc.constantFrom(
              'application/x-www-form-urlencoded',
              'application/x-www-form-urlencoded; charset=iso-8859-1',
              'application/json',
              'text/plain',
              'multipart/form-data; boundary=x',
              'application/xml',
              '',
            ),
        token: fc.option(fc.oneof(fc.uuid(), fc.constantFrom('x'.repeat(300), '', 'same token')), {
          nil: undefined,
        }),
        raw: fc.boolean(),
        extraHeaders: careful ? fc.constant({}) : extraHeaders,
        // A body that is not the form, for the hostile ones.
        rawBody: careful
          ? fc.constant(undefined)
          : fc.oneof(
              { arbitrary: fc.constant(undefined), weight: 2 },
              fc.string(),
              fc.constantFrom('AccountSid=%zz&CallSid', 'a=1&a=2&a=3', '%'),
            ),
      })
      .map((r): Generated => {
        const form: Record<string, string> = { ...r.wellFormed?.form, ...r.form };
        if (r.names !== null) form.AccountSid = r.names.account.sid;
        const url = `${r.path}${query({ ...r.wellFormed?.query, ...r.query }, r.raw)}`;
        const isGet = r.method === 'GET';
        const signedParams = isGet ? {} : form;
        const token = r.names?.account.authToken ?? ours.account.authToken;
        const headers: Record<string, string> = { ...r.extraHeaders };
        if (r.contentType !== '') headers['content-type'] = r.contentType;
        if (r.token !== undefined) headers['i-twilio-idempotency-token'] = r.token;
        const signing = {
          valid: () => computeSignature(token, PUBLIC_URL + url, signedParams),
          'other-token': () => computeSignature(theirs.account.authToken, PUBLIC_URL + url, signedParams),
          garbage: () => 'bm90IGEgc2lnbmF0dXJl',
          none: () => undefined,
          'other-url': () => computeSignature(token, `https://elsewhere.test${url}`, signedParams),
        }[r.signing]();
        if (signing !== undefined) headers['x-twilio-signature'] = signing;
        const formBody = new URLSearchParams(form).toString();
        const body = isGet || r.method === 'HEAD' ? undefined : (r.rawBody ?? formBody);
        // Signed with an account's own token over PUBLIC_URL, the path, the query and the form as sent. Only
        // such a request may change anything; whether it names the same account is the server's to check.
        const signer = { valid: r.names ?? ours, 'other-token': theirs }[r.signing as string] ?? null;
        const signed =
          signer !== null &&
          (isGet ||
            (r.method === 'POST' &&
              r.rawBody === undefined &&
              r.contentType.startsWith('application/x-www-form-urlencoded')));
        const real = signing !== undefined && r.signing !== 'garbage';
        return {
          method: r.method,
          url,
          headers,
          body,
          signed,
          as: signed ? signer : null,
          carries: real ? [signing] : [],
        };
      });

  const credentials = fc.constantFrom('ours', 'ours', 'ours', 'theirs', 'wrong', 'garbage', 'none', 'mixed');
  const rest: fc.Arbitrary<Generated> = fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'DELETE', 'PUT', 'OPTIONS'),
      account: fc.oneof(fc.constantFrom(ours.account.sid, ours.account.sid, theirs.account.sid), sid, value),
      conference: fc.oneof(fc.constantFrom(...ours.conferenceSids), sid, value),
      participant: fc.oneof(fc.constantFrom(...ours.callSids), sid, value),
      resource: fc.constantFrom('list', 'conference', 'participants', 'participant', 'events', 'other'),
      suffix: fc.constantFrom('', '.json', '.xml', '.csv', '.JSON', '/'),
      query: params(REST_PARAMS),
      credentials,
      raw: fc.boolean(),
      extra: value,
    })
    .map((r): Generated => {
      const base = `/2010-04-01/Accounts/${segment(r.account, r.raw)}`;
      const conference = `${base}/Conferences/${segment(r.conference, r.raw)}`;
      const path = {
        list: `${base}/Conferences`,
        conference,
        participants: `${conference}/Participants`,
        participant: `${conference}/Participants/${segment(r.participant, r.raw)}`,
        events: `${conference}/Events`,
        other: `${base}/${segment(r.extra, r.raw)}`,
      }[r.resource];
      const basic = (user: string, password: string) =>
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      const authorization = {
        ours: basic(ours.account.sid, ours.account.authToken),
        theirs: basic(theirs.account.sid, theirs.account.authToken),
        wrong: basic(ours.account.sid, theirs.account.authToken),
        garbage: `Basic ${r.extra.replace(/[^\x20-\x7e]/g, '')}`,
        none: undefined,
        mixed: `Bearer ${ours.account.authToken}`,
      }[r.credentials];
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const as = r.credentials === 'ours' ? ours : r.credentials === 'theirs' ? theirs : null;
      const real = ['ours', 'theirs', 'wrong'].includes(r.credentials) && authorization !== undefined;
      return {
        method: r.method,
        url: `${path}${r.suffix}${query(r.query, r.raw)}`,
        headers,
        signed: false,
        as,
        carries: real ? [(authorization as string).slice('Basic '.length)] : [],
      };
    });

  const other: fc.Arbitrary<Generated> = fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'HEAD', 'DELETE', 'OPTIONS'),
      path: fc.oneof(
        fc.constantFrom('/healthz', '/readyz', '/metrics', '/', '/2010-04-01', '/webhooks', '/webhooks/'),
        fc.webPath(),
        value.map((v) => `/${percentEncoded(v)}`),
      ),
      query: params([...REST_PARAMS, ...WEBHOOK_PARAMS]),
    })
    .map(
      (r): Generated => ({
        method: r.method,
        url: `${r.path.startsWith('/') ? '' : '/'}${r.path}${query(r.query, false)}`,
        headers: {},
        signed: false,
        as: null,
        carries: [],
      }),
    );

  return fc.oneof(
    { arbitrary: webhook(false), weight: 3 },
    { arbitrary: webhook(true), weight: 2 },
    { arbitrary: rest, weight: 4 },
    { arbitrary: other, weight: 1 },
  );
}

async function seedTenant(database: Database, app: Parameters<typeof injectTransport>[0], name: string) {
  const account = newAccount(name);
  await saveAccount(database.db, account);
  const edge = { accountSid: account.sid, authToken: account.authToken, publicUrl: PUBLIC_URL };
  const sender = new Edge(edge, injectTransport(app), new Ledger());
  const rooms = [0, 1, 2].map((n) => `${name} room ⟐ ${n}`);
  await playRooms(sender, edge, rooms, 3, seeded(name.length));
  // Conferences still live, so that lists and participants have something current to show.
  for (const room of rooms) {
    await probeJoin(sender, edge, newCallSid(), room);
    await probeJoin(sender, edge, newCallSid(), room);
  }
  const conferences = await database.db
    .selectFrom('conferences')
    .select('sid')
    .where('account_sid', '=', account.sid)
    .execute();
  const calls = await database.db
    .selectFrom('participants')
    .select('call_sid')
    .where('account_sid', '=', account.sid)
    .execute();
  const conferenceSids = conferences.map((c) => c.sid);
  const callSids = calls.map((c) => c.call_sid);
  return { account, edge, conferenceSids, callSids, data: [...conferenceSids, ...callSids, ...rooms] };
}

describe.skipIf(!postgresKind)('hostile input over HTTP', () => {
  const fresh = useDatabases();

  it(`survives ${RUNS} generated requests on every route and leaks nothing`, async () => {
    const database = await fresh();
    const config = testConfig({ publicUrl: PUBLIC_URL, logLevel: 'trace' });
    const logs: string[] = [];
    const app = await buildApp({
      config,
      database,
      logger: {
        ...loggerOptions(config.logLevel),
        stream: { write: (line: string) => void logs.push(line) },
      },
    });
    try {
      const ours = await seedTenant(database, app, 'Ours');
      const theirs = await seedTenant(database, app, 'Theirs');
      const secrets = [ours.account.authToken, theirs.account.authToken];
      const issued = new Set<string>();
      const statuses = new Map<string, number>();
      let changed = 0;
      let signedCount = 0;
      let clientErrors = 0;
      const seed = faultSeed('hostile');
      let state = await fingerprint(database);
      // The other account's strings that each account's own accepted, signed webhooks carried.
      const supplied = new Map<Tenant, Set<string>>([
        [ours, new Set()],
        [theirs, new Set()],
      ]);

      await fc.assert(
        fc.asyncProperty(arbitraries(ours, theirs), async (request) => {
          for (const secret of request.carries) issued.add(secret);
          let response: Awaited<ReturnType<typeof app.inject>>;
          try {
            response = await app.inject({
              method: request.method as 'GET',
              url: request.url,
              headers: request.headers,
              ...(request.body === undefined ? {} : { payload: request.body }),
            });
          } catch {
            // A request the HTTP client itself refuses to write (an invalid header or URL) never leaves.
            clientErrors += 1;
            return;
          }
          // Requests go one at a time, so the state after the last one is the state before this one.
          const before = state;
          const after = await fingerprint(database);
          state = after;
          const kind = `${Math.floor(response.statusCode / 100)}xx`;
          if (request.signed) signedCount += 1;
          statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
          if (before !== after) changed += 1;
          const sent = `${request.url} ${JSON.stringify(request.headers)} ${request.body ?? ''}`;
          const answer = `${JSON.stringify(response.headers)} ${response.body}`;
          expect(response.statusCode, `${request.method} ${request.url.slice(0, 200)}`).toBeLessThan(500);
          if (!request.signed) expect(after, 'state changed without a valid signature').toBe(before);
          for (const secret of secrets) expect(answer.includes(secret), 'a secret in the answer').toBe(false);
          // Another account's data may only come back where the request itself carried it, or where an
          // earlier webhook signed by this account did: the platform's facts (a ConferenceSid it reports,
          // a CallSid) are recorded as told, so a Sid of the other account planted that way is this
          // account's own from then on, under this account only.
          const foreign = request.as === theirs ? ours : theirs;
          const planted = request.as === null ? undefined : supplied.get(request.as);
          const leaked = foreign.data.filter(
            (text) => answer.includes(text) && !sent.includes(text) && !planted?.has(text),
          );
          expect(leaked, 'another account’s data in the answer').toEqual([]);
          if (request.signed && request.as !== null && response.statusCode < 300) {
            for (const text of foreign.data) if (sent.includes(text)) planted?.add(text);
          }
        }),
        { numRuns: RUNS, seed, endOnFailure: false },
      );

      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
      const logText = logs.join('');
      // Signatures and credentials are base64: any that was logged is one whole run of base64 characters.
      const logged = new Set(logText.match(/[A-Za-z0-9+/=]+/g));
      const inLogs = [
        ...secrets.filter((secret) => logText.includes(secret)),
        ...[...issued].filter((s) => logged.has(s)),
      ];
      expect(inLogs.length, 'tokens, signatures or credentials in the logs').toBe(0);
      await expectInvariants(database);
      await expectVerified(database.url as string);
      const stored = await database.db
        .selectFrom('inbox')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      report('hostile', {
        requests: RUNS,
        '2xx': statuses.get('2xx') ?? 0,
        '4xx': statuses.get('4xx') ?? 0,
        '5xx': statuses.get('5xx') ?? 0,
        'unsent (refused by the HTTP client)': clientErrors,
        'validly signed': signedCount,
        'state changes, all validly signed': changed,
        'unsigned state changes': 0,
        stored: Number(stored.n),
        'log lines': logs.length,
        leaks: 0,
        seed,
      });
    } finally {
      await app.close();
    }
  });
});

// Replays of captured, validly signed webhooks with a padded query (a thousand or more empty pairs, then
// parameters of the attacker's own), and webhooks whose body trickles in slower than REQUEST_TIMEOUT. No
// replay may pass the signature check, no slow body may hold its socket past the bound, and none of it may
// change state or answer 5xx.
const REPLAYS = 300;
const SLOW_BODIES = 24;
const REQUEST_TIMEOUT_S = 1;
/** The timeout, Node's one-second check interval, and a busy machine. */
const SLOW_BODY_BOUND_MS = 5000;

const INJECTED_PARAMS = [
  'participantLabel=X',
  'endConferenceOnExit=true',
  'maxParticipants=2',
  'FriendlyName=elsewhere',
  'CallSid=CA00000000000000000000000000000000',
  'StatusCallbackEvent=conference-end',
  'muted=true',
];

describe.skipIf(!postgresKind)('hostile replays and slow bodies over HTTP', () => {
  const fresh = useDatabases();

  it(`refuses ${REPLAYS} padded-query replays and closes ${SLOW_BODIES} slow bodies`, async () => {
    const database = await fresh();
    const limits = { ...loadConfig({}).limits, requestTimeout: REQUEST_TIMEOUT_S };
    const app = await buildApp({ config: testConfig({ publicUrl: PUBLIC_URL, limits }), database });
    try {
      const account = newAccount('Replayed');
      await saveAccount(database.db, account);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const statuses = new Map<string, number>();
      const count = (status: number) => {
        const kind = `${Math.floor(status / 100)}xx`;
        statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
      };
      let unsignedChanges = 0;
      let signedAccepted = 0;
      const seed = faultSeed('hostile');

      const replay = fc.record({
        path: fc.constantFrom(...WEBHOOKS),
        method: fc.constantFrom('POST', 'POST', 'GET'),
        room: fc.constantFrom('replayed room', 'комната', '<&"\'>'),
        call: fc.constantFrom(...Array.from({ length: 6 }, newCallSid)),
        event: fc.constantFrom(...EVENTS),
        padding: fc.constantFrom('&', '&&', '&=', '&x'),
        pairs: fc.integer({ min: 1000, max: 1500 }),
        injected: fc.subarray(INJECTED_PARAMS, { minLength: 1 }),
        token: fc.uuid(),
      });
      await fc.assert(
        fc.asyncProperty(replay, async (r) => {
          const form: Record<string, string> = {
            AccountSid: account.sid,
            CallSid: r.call,
            FriendlyName: r.room,
            StatusCallbackEvent: r.event,
            CallStatus: 'in-progress',
            SequenceNumber: '1',
          };
          const isGet = r.method === 'GET';
          const query = new URLSearchParams(isGet ? form : { FriendlyName: r.room }).toString();
          const url = `${r.path}?${query}`;
          const signature = computeSignature(account.authToken, PUBLIC_URL + url, isGet ? {} : form);
          const send = (target: string, token: string) =>
            app.inject({
              method: r.method as 'GET',
              url: target,
              headers: {
                'x-twilio-signature': signature,
                'i-twilio-idempotency-token': token,
                ...(isGet ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
              },
              ...(isGet ? {} : { payload: new URLSearchParams(form).toString() }),
            });
          // The capture: the genuine request, which may well change state.
          const genuine = await send(url, r.token);
          count(genuine.statusCode);
          expect(genuine.statusCode, `genuine ${url}`).toBeLessThan(500);
          if (genuine.statusCode < 300) signedAccepted += 1;

          const before = await fingerprint(database);
          const padded = `${url}${r.padding.repeat(r.pairs)}&${r.injected.join('&')}`;
          // A new idempotency token: the header is not signed, so the replay would be a new delivery.
          const answer = await send(padded, `${r.token}-replayed`);
          count(answer.statusCode);
          const after = await fingerprint(database);
          if (after !== before) unsignedChanges += 1;
          expect(answer.statusCode, `replay of ${url}`).toBe(403);
          expect(after, 'a padded replay changed state').toBe(before);
        }),
        { numRuns: REPLAYS, seed, endOnFailure: false },
      );

      // Slow bodies: validly signed webhooks whose body would take minutes to arrive.
      const before = await fingerprint(database);
      const slow = await Promise.all(
        Array.from({ length: SLOW_BODIES }, (_, n) => {
          const path = WEBHOOKS[n % WEBHOOKS.length] as string;
          const url = `${path}?FriendlyName=slow`;
          const form = {
            AccountSid: account.sid,
            CallSid: newCallSid(),
            FriendlyName: 'slow',
            CallStatus: 'completed',
          };
          const body = new URLSearchParams(form).toString();
          const signature = computeSignature(account.authToken, PUBLIC_URL + url, form);
          const head = `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: ${signature}\r\nContent-Length: ${body.length}\r\n\r\n`;
          return trickle(port, head, body, { everyMs: 250, giveUpMs: SLOW_BODY_BOUND_MS * 3 });
        }),
      );
      for (const { answer, ms } of slow) {
        const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0);
        count(status);
        expect(status, answer.slice(0, 80)).toBe(408);
        expect(ms).toBeLessThan(SLOW_BODY_BOUND_MS);
      }
      const afterSlow = await fingerprint(database);
      if (afterSlow !== before) unsignedChanges += 1;
      expect(afterSlow, 'a slow body changed state').toBe(before);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

      expect(statuses.get('5xx') ?? 0).toBe(0);
      await expectInvariants(database);
      report('hostile replays and slow bodies', {
        'padded-query replays': REPLAYS,
        'genuine deliveries accepted': signedAccepted,
        'slow bodies': SLOW_BODIES,
        'slowest close (ms)': Math.max(...slow.map((s) => s.ms)),
        '2xx': statuses.get('2xx') ?? 0,
        '4xx': statuses.get('4xx') ?? 0,
        '5xx': statuses.get('5xx') ?? 0,
        'unsigned state changes': unsignedChanges,
        seed,
      });
    } finally {
      await app.close();
    }
  });
});
