// Sends webhooks to a test app as Twilio would: form bodies (or GET queries) signed by the official `twilio`
// package with the account's auth token over PUBLIC_URL, path and query. A request is built once and may be
// sent any number of times, as a platform redelivers it.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import twilio from 'twilio';
import { PUBLIC_URL, type TestApp } from '../helpers/app.js';

export type Form = Record<string, string>;

export interface SendOptions {
  /** GET and HEAD carry the form in the query, as a platform configured for GET sends it. */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'TRACE';
  /** Parameters for the URL's query (a GET puts the form there too). */
  query?: Form;
  /** Sent as I-Twilio-Idempotency-Token. */
  token?: string;
  /** Signs with this token instead of the account's. */
  authToken?: string;
  /** Signs over this URL instead of PUBLIC_URL + path + query. */
  signedUrl?: string;
  /** Sends this signature; null sends none. */
  signature?: string | null;
  headers?: Record<string, string>;
}

export interface WebhookRequest {
  path: string;
  form: Form;
  options: SendOptions;
}

export function newCallSid(): string {
  return `CA${randomBytes(16).toString('hex')}`;
}

export function newConferenceSid(): string {
  return `CF${randomBytes(16).toString('hex')}`;
}

/** A time as Twilio writes it in callbacks (RFC 2822). */
export function platformTime(ms = Date.now()): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** A participant's flags as a conference callback reports them. */
export interface Flags {
  muted?: boolean;
  hold?: boolean;
  coaching?: boolean;
  endConferenceOnExit?: boolean;
  startConferenceOnEnter?: boolean;
}

/** Stands for the platform's Sid of the room's conference, filled in when the request is sent. */
export const PLATFORM_SID = 'the platform Sid of the room';
/** Stands for the time the request is sent, as the platform stamps its callbacks. */
const SENT_AT = 'the time it is sent';

export function webhookClient(t: TestApp, app: FastifyInstance = t.app) {
  /**
   * The Sid the platform gives the room's latest conference, as a platform would: the one Conclave has
   * taken from it already, else one of its own for that instance (the minted Sid's digits reversed), else,
   * for a room with no conference yet, a new one.
   */
  async function platformSid(friendlyName: string): Promise<string> {
    const latest = await t.database.db
      .selectFrom('conferences')
      .select(['sid', 'platform_sid'])
      .where('account_sid', '=', t.account.sid)
      .where('friendly_name', '=', friendlyName)
      .orderBy('sid', 'desc')
      .executeTakeFirst();
    if (!latest) return newConferenceSid();
    return latest.platform_sid ?? `CF${[...latest.sid.slice(2)].reverse().join('')}`;
  }

  async function send(request: WebhookRequest): Promise<LightMyRequestResponse> {
    const { path, options } = request;
    let { form } = request;
    if (form.ConferenceSid === PLATFORM_SID && form.FriendlyName !== undefined) {
      form = { ...form, ConferenceSid: await platformSid(form.FriendlyName) };
    }
    if (form.Timestamp === SENT_AT) form = { ...form, Timestamp: platformTime() };
    const method = options.method ?? 'POST';
    const inQuery = method === 'GET' || method === 'HEAD';
    const queryParams = inQuery ? { ...options.query, ...form } : (options.query ?? {});
    const search = new URLSearchParams(queryParams).toString();
    const url = search === '' ? path : `${path}?${search}`;
    const signature =
      options.signature === undefined
        ? twilio.getExpectedTwilioSignature(
            options.authToken ?? t.account.authToken,
            options.signedUrl ?? PUBLIC_URL + url,
            inQuery ? {} : form,
          )
        : options.signature;
    const headers: Record<string, string> = { ...options.headers };
    if (signature !== null) headers['x-twilio-signature'] = signature;
    if (options.token !== undefined) headers['i-twilio-idempotency-token'] = options.token;
    if (inQuery) return app.inject({ method, url, headers });
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return app.inject({ method, url, headers, payload: new URLSearchParams(form).toString() });
  }

  function callForm(callSid: string, extra: Form = {}): Form {
    return {
      AccountSid: t.account.sid,
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      CallStatus: 'in-progress',
      Direction: 'inbound',
      From: '+15550100',
      To: '+15550199',
      ...extra,
    };
  }

  const requests = {
    /** The voice webhook of `callSid` for room `friendlyName`, <Conference> attributes in the query. */
    voice(callSid: string, friendlyName: string, attributes: Form = {}, options: SendOptions = {}) {
      return {
        path: '/webhooks/voice',
        form: callForm(callSid, { CallStatus: 'ringing' }),
        options: { ...options, query: { FriendlyName: friendlyName, ...attributes } },
      };
    },
    callStatus(callSid: string, callStatus: string, options: SendOptions = {}): WebhookRequest {
      return { path: '/webhooks/call-status', form: callForm(callSid, { CallStatus: callStatus }), options };
    },
    dialAction(callSid: string, extra: Form = {}, options: SendOptions = {}): WebhookRequest {
      const form = callForm(callSid, { DialCallStatus: 'completed', DialBridged: 'true', ...extra });
      return { path: '/webhooks/dial-action', form, options };
    },
    /** A conference status callback; `extra` adds to or overrides Twilio's usual parameters. */
    conference(event: string, friendlyName: string, extra: Form = {}, options: SendOptions = {}) {
      const form: Form = {
        AccountSid: t.account.sid,
        ConferenceSid: PLATFORM_SID,
        FriendlyName: friendlyName,
        StatusCallbackEvent: event,
        Timestamp: SENT_AT,
        ...extra,
      };
      return { path: '/webhooks/conference-status', form, options };
    },
    /** A participant event with every flag Twilio reports; the flags default to Twilio's defaults. */
    participant(
      event: string,
      friendlyName: string,
      callSid: string,
      sequenceNumber: number,
      flags: Flags = {},
      options: SendOptions = {},
      extra: Form = {},
    ): WebhookRequest {
      return requests.conference(
        event,
        friendlyName,
        {
          CallSid: callSid,
          SequenceNumber: String(sequenceNumber),
          Muted: String(flags.muted ?? false),
          Hold: String(flags.hold ?? false),
          Coaching: String(flags.coaching ?? false),
          EndConferenceOnExit: String(flags.endConferenceOnExit ?? false),
          StartConferenceOnEnter: String(flags.startConferenceOnEnter ?? true),
          ...extra,
        },
        options,
      );
    },
  } satisfies Record<string, (...args: never[]) => WebhookRequest>;

  type Requests = typeof requests;
  const sending =
    <K extends keyof Requests>(name: K) =>
    (...args: Parameters<Requests[K]>) =>
      send((requests[name] as (...a: Parameters<Requests[K]>) => WebhookRequest)(...args));

  return {
    send,
    callForm,
    requests,
    voice: sending('voice'),
    callStatus: sending('callStatus'),
    dialAction: sending('dialAction'),
    conference: sending('conference'),
    participant: sending('participant'),
  };
}

export type WebhookClient = ReturnType<typeof webhookClient>;
