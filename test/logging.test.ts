import { Writable } from 'node:stream';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loggerOptions } from '../src/logging.js';
import { build, PUBLIC_URL, type TestApp } from './helpers/app.js';
import { databaseKinds } from './helpers/databases.js';
import { newCallSid, webhookClient } from './webhooks/client.js';

describe('request logs', () => {
  const lines: Record<string, unknown>[] = [];
  const t = {} as TestApp;
  beforeAll(async () => {
    Object.assign(t, await build(databaseKinds[0] as (typeof databaseKinds)[number]));
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    // The test's own app, logging as the server does, into the array above.
    t.app = await buildApp({
      config: t.config,
      database: t.database,
      logger: { ...loggerOptions('trace'), stream },
    });
  });
  afterAll(async () => {
    await t.app.close();
    await t.database.drop();
  });

  it('carry a request id on every line and never a token, a password or a signature', async () => {
    const client = webhookClient(t);
    const call = newCallSid();
    const form = client.callForm(call, { CallStatus: 'ringing' });
    const url = '/webhooks/voice?FriendlyName=logs';
    const signature = twilio.getExpectedTwilioSignature(t.account.authToken, PUBLIC_URL + url, form);
    const joined = await t.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
        'x-request-id': 'edge-42',
      },
      payload: new URLSearchParams(form).toString(),
    });
    expect(joined.statusCode).toBe(200);
    const basic = Buffer.from(`${t.account.sid}:${t.account.authToken}`).toString('base64');
    const wrongPassword = Buffer.from(`${t.account.sid}:not-the-token`).toString('base64');
    for (const authorization of [`Basic ${basic}`, `Basic ${wrongPassword}`]) {
      await t.app.inject({
        method: 'GET',
        url: `/2010-04-01/Accounts/${t.account.sid}/Conferences.json`,
        headers: { authorization },
      });
    }
    await t.app.inject({
      method: 'POST',
      url,
      headers: { 'x-twilio-signature': 'forged' },
      payload: 'CallSid=x',
    });
    // An app asking for callbacks with Basic auth puts a password in the voice URL's query.
    await t.app.inject({
      method: 'POST',
      url: `${url}&statusCallback=${encodeURIComponent('https://app:hunter2@example.com/cb')}`,
      headers: { 'x-twilio-signature': 'forged' },
      payload: 'CallSid=x',
    });
    expect(lines.some((line) => JSON.stringify(line).includes('app%3A***%40example.com'))).toBe(true);
    // Should code ever log headers or an account, the secrets in them are censored.
    t.app.log.warn({
      headers: { authorization: `Basic ${basic}`, 'x-twilio-signature': signature },
      account: t.account,
    });

    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(lines.at(-1)).toMatchObject({
      headers: { authorization: '[redacted]' },
      account: { authToken: '[redacted]' },
    });
    const text = JSON.stringify(lines);
    for (const secret of [t.account.authToken, basic, wrongPassword, signature, 'not-the-token', 'hunter2']) {
      expect(text).not.toContain(secret);
    }
    const requestLines = lines.filter((line) => 'req' in line || 'res' in line || 'err' in line);
    expect(requestLines.every((line) => typeof line.reqId === 'string')).toBe(true);
    // One line per request, as it is answered, with what was asked and what it got.
    expect(lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
    expect(lines.filter((line) => line.msg === 'request completed')).toHaveLength(5);
    expect(lines.filter((line) => line.reqId === 'edge-42')).toMatchObject([
      { msg: 'request completed', req: { method: 'POST', url }, res: { statusCode: 200 } },
    ]);
  });
});
