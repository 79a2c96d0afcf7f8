// The official SDK built with an API key, as production apps build it (twilio(keySid, keySecret,
// { accountSid }); https://www.twilio.com/docs/iam/api-keys), reads Conclave unchanged; a revoked key is
// refused once the account cache's lifetime has passed.

import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/store/api-keys.js';
import { REMEMBER_MS } from '../../src/store/remembered.js';
import { apply, conferenceSidOf } from '../api/seed.js';
import { build, type TestApp } from '../helpers/app.js';
import { commands } from '../helpers/commands.js';
import { databaseKinds } from '../helpers/databases.js';

delete process.env.TWILIO_REGION;
delete process.env.TWILIO_EDGE;

for (const kind of databaseKinds) {
  describe(`API keys through the twilio SDK (${kind.name})`, () => {
    let t: TestApp;
    let baseUrl: string;
    let conferenceSid: string;

    const clientWith = (username: string, password: string, accountSid: string) => {
      const client = twilio(username, password, { accountSid });
      client.api.baseUrl = baseUrl;
      return client;
    };

    beforeAll(async () => {
      t = await build(kind);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const c = commands();
      await apply(t.database, t.account.sid, [
        c.join('CA'.padEnd(34, '1'), 'Key room'),
        c.join('CA'.padEnd(34, '2'), 'Key room'),
      ]);
      conferenceSid = await conferenceSidOf(t.database, t.account.sid, 'Key room');
    });

    afterAll(async () => {
      await t?.app.close();
      await t?.database.drop();
    });

    it('lists and fetches conferences and participants with a key and its secret', async () => {
      const { key, secret } = await createApiKey(t.database.db, t.account.sid, 'SDK');
      const client = clientWith(key.sid, secret, t.account.sid);
      const listed = await client.conferences.list();
      expect(listed.map((c) => c.sid)).toEqual([conferenceSid]);
      const fetched = await client.conferences(conferenceSid).fetch();
      expect(fetched.friendlyName).toBe('Key room');
      const participants = await client.conferences(conferenceSid).participants.list();
      expect(participants).toHaveLength(2);
    });

    it('refuses a wrong secret, and a key used for another account sees nothing of it', async () => {
      const { key, secret } = await createApiKey(t.database.db, t.account.sid, 'SDK');
      await expect(clientWith(key.sid, `${secret}x`, t.account.sid).conferences.list()).rejects.toMatchObject(
        {
          status: 401,
          code: 20003,
        },
      );
      await expect(
        clientWith(key.sid, secret, t.otherAccount.sid).conferences(conferenceSid).fetch(),
      ).rejects.toMatchObject({ status: 404, code: 20404 });
    });

    it('refuses a revoked key within the cache lifetime', async () => {
      const { key, secret } = await createApiKey(t.database.db, t.account.sid, 'SDK');
      const client = clientWith(key.sid, secret, t.account.sid);
      expect(await client.conferences.list()).toHaveLength(1);
      await revokeApiKey(t.database.db, key.sid);
      const revokedAt = Date.now();
      let status: number | undefined;
      // Poll, bounded by a little more than the cache lifetime: the refusal must come within it.
      while (status === undefined && Date.now() - revokedAt < REMEMBER_MS + 1000) {
        status = await client.conferences.list().then(
          () => undefined,
          (error: { status: number }) => error.status,
        );
      }
      expect(status).toBe(401);
    });

    it('leaves webhook signatures on the auth token: a key secret does not sign', async () => {
      const { secret } = await createApiKey(t.database.db, t.account.sid, 'SDK');
      const form = { AccountSid: t.account.sid, CallSid: 'CA'.padEnd(34, '9'), FriendlyName: 'Signed' };
      const path = '/webhooks/voice?FriendlyName=Signed';
      const signature = twilio.getExpectedTwilioSignature(secret, `${t.config.publicUrl}${path}`, form);
      const response = await t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: new URLSearchParams(form).toString(),
      });
      expect(response.statusCode).toBe(403);
    });
  });
}
