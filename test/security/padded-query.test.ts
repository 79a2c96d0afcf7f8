// Finding 1 of the hardening review: a captured, validly signed voice webhook replayed with a thousand empty
// pairs and then parameters of the attacker's own must not pass the signature check. Node's legacy
// querystring stops at 1,000 pairs, so a URL spelling re-encoded through it used to drop what followed.

import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { isValidSignature } from '../../src/signature.js';
import { PUBLIC_URL, useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, webhookClient } from '../webhooks/client.js';
import { conferences } from '../webhooks/read-models.js';

const INJECTED = '&participantLabel=X&endConferenceOnExit=true&maxParticipants=2';

describe('a signature over a padded query', () => {
  it('does not vouch for parameters after a thousand empty pairs', () => {
    const token = '0123456789abcdef0123456789abcdef';
    const url = `${PUBLIC_URL}/webhooks/voice?FriendlyName=room`;
    const signature = twilio.getExpectedTwilioSignature(token, url, {});
    expect(isValidSignature(token, signature, url, {})).toBe(true);
    expect(isValidSignature(token, signature, `${url}${'&'.repeat(1000)}${INJECTED}`, {})).toBe(false);
    expect(isValidSignature(token, signature, `${url}${'&'.repeat(1000)}`, {})).toBe(true);
  });
});

describe.each(databaseKinds)('a replayed webhook with injected parameters on $name', (kind) => {
  const t = useApp(kind);

  it('is refused with 403 and records nothing', async () => {
    const client = webhookClient(t);
    const request = client.requests.voice(newCallSid(), 'padded');
    const form = new URLSearchParams(request.form).toString();
    const url = `${request.path}?FriendlyName=padded`;
    const signature = twilio.getExpectedTwilioSignature(t.account.authToken, PUBLIC_URL + url, request.form);
    const send = (path: string) =>
      t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: form,
      });

    const replay = await send(`${url}${'&'.repeat(1000)}${INJECTED}`);
    expect(replay.statusCode).toBe(403);
    expect(await conferences(t, 'padded')).toEqual([]);

    // The genuine request still passes, and joins with Twilio's defaults, not the injected attributes.
    const genuine = await send(url);
    expect(genuine.statusCode).toBe(200);
    expect(genuine.body).toContain('maxParticipants="250"');
    expect(genuine.body).not.toContain('participantLabel');
  });
});
