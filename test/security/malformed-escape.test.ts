// A signature vouches only for the parameters the routes read. A malformed escape in a query (`%C0%80` is
// no UTF-8) is kept as text by the routes' query parser, while Node's legacy querystring, one of the
// spellings Twilio's validator accepts, turns it into U+FFFD: a captured request whose signed URL held
// U+FFFD must not pass for a URL naming another room.

import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { isValidSignature } from '../../src/signature.js';
import { PUBLIC_URL, useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, webhookClient } from '../webhooks/client.js';
import { conferences } from '../webhooks/read-models.js';

const SIGNED = '?FriendlyName=%EF%BF%BD%EF%BF%BD';
const SENT = '?FriendlyName=%C0%80';

describe('a signature over U+FFFD', () => {
  it('does not vouch for a malformed escape that the routes read as text', () => {
    const token = '0123456789abcdef0123456789abcdef';
    const signature = twilio.getExpectedTwilioSignature(token, `${PUBLIC_URL}/webhooks/voice${SIGNED}`, {});
    expect(isValidSignature(token, signature, `${PUBLIC_URL}/webhooks/voice${SIGNED}`, {})).toBe(true);
    expect(isValidSignature(token, signature, `${PUBLIC_URL}/webhooks/voice${SENT}`, {})).toBe(false);
  });
});

describe.each(databaseKinds)('a replayed webhook with a malformed escape on $name', (kind) => {
  const t = useApp(kind);

  it('is refused with 403 and records nothing; signed as sent, it joins the room named by the text', async () => {
    const client = webhookClient(t);
    const request = client.requests.voice(newCallSid(), 'unused');
    const form = new URLSearchParams(request.form).toString();
    const send = (signedQuery: string, sentQuery: string) =>
      t.app.inject({
        method: 'POST',
        url: `${request.path}${sentQuery}`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(
            t.account.authToken,
            `${PUBLIC_URL}${request.path}${signedQuery}`,
            request.form,
          ),
        },
        payload: form,
      });

    expect((await send(SIGNED, SENT)).statusCode).toBe(403);
    expect(await conferences(t, '%C0%80')).toEqual([]);

    expect((await send(SENT, SENT)).statusCode).toBe(200);
    expect(await conferences(t, '%C0%80')).toHaveLength(1);
  });
});
