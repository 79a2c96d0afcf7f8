// SIGTERM in the middle of a stream of webhooks: what was answered 2xx is stored, what was not answered 2xx
// is not, and the process exits 0.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/callback-receiver.js';
import { startCli } from '../helpers/cli.js';
import { postgresKind } from '../helpers/databases.js';

const PUBLIC_URL = 'https://conclave.test';
const SID = `AC${randomBytes(16).toString('hex')}`;
const TOKEN = randomBytes(16).toString('hex');

async function sendJoin(address: string, callSid: string, query = ''): Promise<number | 'refused'> {
  const path = `/webhooks/voice?FriendlyName=${encodeURIComponent(`drain ${callSid.slice(-1)}`)}${query}`;
  const form = {
    AccountSid: SID,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: '+15550100',
    To: '+15550199',
  };
  try {
    const response = await fetch(address + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, PUBLIC_URL + path, form),
      },
      body: new URLSearchParams(form),
    });
    await response.text();
    return response.status;
  } catch {
    return 'refused';
  }
}

/** `conclave serve` on the database at `url`, with the test's account and public URL. */
const serveOn = (url: string) =>
  startCli({ DATABASE_URL: url, PUBLIC_URL, TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN });

describe.skipIf(!postgresKind)('graceful shutdown under load', () => {
  it('stores every webhook answered 2xx and none of the others, then exits 0', async () => {
    const database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    try {
      const server = await serveOn(database.url as string);
      const answers = new Map<string, number | 'refused'>();
      let stopped: Promise<number | null> | undefined;
      // Eight senders keep requests in flight; the signal goes out once a hundred are answered.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let n = 0; n < 60; n++) {
            const callSid = `CA${randomBytes(16).toString('hex')}`;
            answers.set(callSid, await sendJoin(server.address, callSid));
            if (answers.size === 100) stopped = server.stop();
          }
        }),
      );
      expect(await stopped).toBe(0);

      const stored = new Set(
        (await database.db.selectFrom('participants').select('call_sid').execute()).map(
          (row) => row.call_sid,
        ),
      );
      const accepted = [...answers].filter(([, status]) => status === 200).map(([call]) => call);
      const turnedAway = [...answers].filter(([, status]) => status !== 200);
      expect(accepted.length).toBeGreaterThanOrEqual(100);
      expect(turnedAway.length).toBeGreaterThan(0);
      expect(accepted.filter((call) => !stored.has(call))).toEqual([]);
      expect(turnedAway.filter(([call]) => stored.has(call))).toEqual([]);
      // Refused cleanly: a 503 while closing, or no connection at all; never a 500.
      expect(turnedAway.every(([, status]) => status === 503 || status === 'refused')).toBe(true);
    } finally {
      await database.drop();
    }
  });

  it('cuts a callback to an app that does not answer short, to go again at once, and still exits 0', async () => {
    const database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    // An app that takes the callback's request and never answers it.
    let reached = false;
    const app = createServer(() => {
      reached = true;
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    try {
      const server = await serveOn(database.url as string);
      const statusCallback = `http://127.0.0.1:${(app.address() as AddressInfo).port}/conference`;
      const query = `&statusCallback=${encodeURIComponent(statusCallback)}&statusCallbackEvent=join`;
      expect(await sendJoin(server.address, `CA${randomBytes(16).toString('hex')}`, query)).toBe(200);
      // Sent once the outbox is filled past the join, which another test database's open transaction can
      // hold back (the settled end of the log is the server's).
      await eventually(() => reached, 'the callback at the app', 40_000);
      // Before, the shutdown waited out the request's 10 s, past its own deadline, and exited 1.
      expect(await server.stop()).toBe(0);

      const callbacks = await database.db
        .selectFrom('callbacks')
        .select(['status', 'attempts', 'last_error'])
        .select(sql<boolean>`next_attempt_at <= now()`.as('due'))
        .execute();
      expect(callbacks).toEqual([
        { status: 'pending', attempts: 0, last_error: 'cut short by a shutdown', due: true },
      ]);
    } finally {
      app.closeAllConnections();
      app.close();
      await database.drop();
    }
  }, 90_000);
});
