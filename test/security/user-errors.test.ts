// Finding 5 of the hardening review: requests a user can make that answered 500 with a stack in the log.
// Each now gets a 4xx with a reason, and nothing is logged at error level.
//
// From and To: Twilio sends a number in E.164 (at most 15 digits after the +), client:NAME (a client name
// is at most 256 characters: Twilio error 31105, https://www.twilio.com/docs/api/errors/31105) or a SIP
// URI. Conclave takes up to 512 characters, so no value the platform sends is refused; a longer one cannot
// be the platform's, and gets 400.

import { describe, expect, it } from 'vitest';
import { logIn } from '../dashboard/helpers.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, webhookClient } from '../webhooks/client.js';
import { useLoggedApp } from './logged-app.js';

describe.each(databaseKinds)('errors a user can cause on $name', (kind) => {
  const t = useLoggedApp(kind);
  const failures = () =>
    t.lines.filter((line) => Number(line.level) >= 50 || JSON.stringify(line).includes('stack'));

  it('refuses a From or To longer than any the platform sends with 400, and takes the longest it does', async () => {
    const client = webhookClient(t);
    for (const field of ['From', 'To']) {
      const request = client.requests.voice(newCallSid(), 'long caller');
      request.form[field] = `+1${'5'.repeat(2998)}`;
      const response = await client.send(request);
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(
        new RegExp(
          `^${field} is '\\+1555.*': expected a number, client or SIP address of at most 512 characters$`,
        ),
      );
    }
    const longest = [
      `client:${'a'.repeat(256)}`,
      `sip:${'b'.repeat(200)}@example.sip.twilio.com;transport=tls`,
      '+123456789012345',
    ];
    for (const from of longest) {
      const request = client.requests.voice(newCallSid(), 'long caller');
      request.form.From = from;
      expect((await client.send(request)).statusCode).toBe(200);
    }
    expect(failures()).toEqual([]);
  });

  it('answers a repeated dashboard query parameter with 400 and a reason', async () => {
    const cookie = await logIn(t.app, t.account);
    const conference = `CF${'a'.repeat(32)}`;
    for (const url of [
      '/?q=a&q=b',
      `/live?conference=${conference}&conference=${conference}`,
      '/live?after=1%3A1&after=2%3A2',
      '/login?next=%2F&next=%2Fx',
    ]) {
      const response = await t.app.inject({ method: 'GET', url, headers: { cookie } });
      expect(response.statusCode, url).toBe(400);
      expect(response.body, url).toMatch(/must be string/);
    }
    expect(failures()).toEqual([]);
  });

  it('answers a dashboard search holding a NUL with 400 and a reason', async () => {
    const cookie = await logIn(t.app, t.account);
    const response = await t.app.inject({ method: 'GET', url: '/?q=a%00b', headers: { cookie } });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('q holds a NUL character, which no name or number has');
    expect(failures()).toEqual([]);
  });
});
