// While the database does not answer, reads fail fast with 503 and a Twilio error body, so that clients
// retry; nothing about the failure leaks.

import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { newAccount } from '../../src/store/accounts.js';
import { openDatabase } from '../../src/store/database.js';
import { testConfig } from '../helpers/app.js';
import { basic, expectValidJson, parseXml } from './client.js';

describe('REST API during a database outage', () => {
  it('answers 503 with Retry-After and Twilio’s error shape', async () => {
    // Nothing listens on port 1: every connection is refused at once, as when the server is down.
    const database = await openDatabase({
      kind: 'postgres',
      url: 'postgres://conclave@127.0.0.1:1/conclave',
    });
    const app = await buildApp({ config: testConfig(), database });
    try {
      const account = newAccount('Unreachable');
      const path = `/2010-04-01/Accounts/${account.sid}/Conferences`;
      const json = await app.inject({ url: `${path}.json`, headers: { authorization: basic(account) } });
      expect(json.statusCode).toBe(503);
      expect(json.headers['retry-after']).toBe('1');
      expectValidJson(`${path}.json`, 503, json.json());
      expect(json.json()).toMatchObject({ code: 20503 });
      expect(json.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|conclave@/);
      const xml = await app.inject({ url: path, headers: { authorization: basic(account) } });
      expect(xml.statusCode).toBe(503);
      expect(parseXml(xml.body)).toMatchObject({ TwilioResponse: { RestException: { Code: '20503' } } });
    } finally {
      await app.close();
      await database.close();
    }
  });
});
