// Sends webhooks to a test app as Twilio would: form bodies (or GET queries) signed by the official `twilio`
// package with the account's auth token over PUBLIC_URL, path and query. A request is built once and may be
// sent any number of times, as a platform redelivers it.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import twilio from 'twilio';
import { PUBLIC_URL, type TestApp } from '../helpers/app.js';

export type Form = Record<string, string>;

export interface SendOptions {
  method?: 'GET' | 'POST';
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

export function webhookClient(t: TestApp, app: FastifyInstance = t.app) {
  // The platform names each room's conference with a Sid of its own, the same on every callback.
  const platformSids = new Map<string, string>();
  const platformSid = (friendlyName: string) => {
    const sid = platformSids.get(friendlyName) ?? newConferenceSid();
    platformSids.set(friendlyName, sid);
    return sid;
  };

  function send({ path, form, options }: WebhookRequest): Promise<LightMyRequestResponse> {
    const method = options.method ?? 'POST';
    const queryParams = method === 'GET' ? { ...options.query, ...form } : (options.query ?? {});
    const search = new URLSearchParams(queryParams).toString();
    const url = search === '' ? path : `${path}?${search}`;
    const signature =
      options.signature === undefined
        ? twilio.getExpectedTwilioSignature(
            options.authToken ?? t.account.authToken,
            options.signedUrl ?? PUBLIC_URL + url,
            method === 'GET' ? {} : form,
          )
        : options.signature;
    const headers: Record<string, string> = { ...options.headers };
    if (signature !== null) headers['x-twilio-signature'] = signature;
    if (options.token !== undefined) headers['i-twilio-idempotency-token'] = options.token;
    if (method === 'GET') return app.inject({ method, url, headers });
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
        ConferenceSid: platformSid(friendlyName),
        FriendlyName: friendlyName,
        StatusCallbackEvent: event,
        Timestamp: platformTime(),
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
