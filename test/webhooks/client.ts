// Sends webhooks to a test app as Twilio would: form bodies (or GET queries) signed by the official `twilio`
// package with the account's auth token over PUBLIC_URL, path and query.

import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
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

export function newCallSid(): string {
  return `CA${randomBytes(16).toString('hex')}`;
}

export function newConferenceSid(): string {
  return `CF${randomBytes(16).toString('hex')}`;
}

/** A participant's flags as a conference callback reports them. */
export interface Flags {
  muted?: boolean;
  hold?: boolean;
  coaching?: boolean;
  endConferenceOnExit?: boolean;
  startConferenceOnEnter?: boolean;
}

export function webhookClient(t: TestApp) {
  const accountSid = () => t.account.sid;
  // The platform names each room's conference with a Sid of its own, the same on every callback.
  const platformSids = new Map<string, string>();
  const platformSid = (friendlyName: string) => {
    const sid = platformSids.get(friendlyName) ?? newConferenceSid();
    platformSids.set(friendlyName, sid);
    return sid;
  };

  async function send(path: string, form: Form, options: SendOptions = {}): Promise<LightMyRequestResponse> {
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
    if (method === 'GET') return t.app.inject({ method, url, headers });
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return t.app.inject({ method, url, headers, payload: new URLSearchParams(form).toString() });
  }

  function callForm(callSid: string, extra: Form = {}): Form {
    return {
      AccountSid: accountSid(),
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      CallStatus: 'in-progress',
      Direction: 'inbound',
      From: '+15550100',
      To: '+15550199',
      ...extra,
    };
  }

  return {
    send,
    callForm,
    /** The voice webhook of `callSid` for room `friendlyName`, <Conference> attributes in the query. */
    voice(callSid: string, friendlyName: string, attributes: Form = {}, options: SendOptions = {}) {
      return send('/webhooks/voice', callForm(callSid, { CallStatus: 'ringing' }), {
        ...options,
        query: { FriendlyName: friendlyName, ...attributes },
      });
    },
    callStatus(callSid: string, callStatus: string, options: SendOptions = {}) {
      return send('/webhooks/call-status', callForm(callSid, { CallStatus: callStatus }), options);
    },
    dialAction(callSid: string, extra: Form = {}, options: SendOptions = {}) {
      return send(
        '/webhooks/dial-action',
        callForm(callSid, { DialCallStatus: 'completed', DialBridged: 'true', ...extra }),
        options,
      );
    },
    /** A conference status callback; `extra` adds to or overrides Twilio's usual parameters. */
    conference(event: string, friendlyName: string, extra: Form = {}, options: SendOptions = {}) {
      return send(
        '/webhooks/conference-status',
        {
          AccountSid: accountSid(),
          ConferenceSid: platformSid(friendlyName),
          FriendlyName: friendlyName,
          StatusCallbackEvent: event,
          Timestamp: 'Thu, 26 Nov 2026 09:00:00 +0000',
          ...extra,
        },
        options,
      );
    },
    /** A participant event with every flag Twilio reports; the flags default to Twilio's defaults. */
    participant(
      event: string,
      friendlyName: string,
      callSid: string,
      sequenceNumber: number,
      flags: Flags = {},
      options: SendOptions = {},
    ) {
      return this.conference(
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
  };
}

export type WebhookClient = ReturnType<typeof webhookClient>;
