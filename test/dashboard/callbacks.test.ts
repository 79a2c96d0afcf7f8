// The dashboard shows how callbacks fare: per conference, those sent, pending and failed with the last
// error; on the account page, the events URL and its health.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackDeliverer } from '../../src/commands/callbacks/deliverer.js';
import { callbackCounts, setEventsUrl } from '../../src/store/callbacks.js';
import { useApp } from '../helpers/app.js';
import { type CallbackReceiver, eventually, startReceiver } from '../helpers/callback-receiver.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, webhookClient } from '../webhooks/client.js';
import { conferences } from '../webhooks/read-models.js';
import { logIn } from './helpers.js';

describe.each(databaseKinds)('callbacks on the dashboard on $name', (kind) => {
  const t = useApp(kind);
  let receiver: CallbackReceiver;
  let cookie: string;
  let sid: string;

  beforeAll(async () => {
    receiver = await startReceiver(() => t.account.authToken);
    // The app takes the joins and refuses the rest; the sink is down.
    receiver.behave((r) =>
      r.path === '/app' && r.params.StatusCallbackEvent === 'participant-join' ? 'ok' : 'error',
    );
    await setEventsUrl(t.database.db, t.account.sid, `${receiver.url}/sink`);
    const client = webhookClient(t);
    const call = newCallSid();
    await client.voice(call, 'board', {
      statusCallback: `${receiver.url}/app`,
      statusCallbackEvent: 'join leave',
    });
    await client.callStatus(call, 'completed');
    const deliverer = startCallbackDeliverer(t.database.db, {
      retryForMs: 1000,
      firstRetryMs: 50,
      maxRetryMs: 100,
      pollMs: 20,
    });
    // The app's join is delivered and its leave given up; the sink's three callbacks are all given up.
    await eventually(async () => {
      const app = await callbackCounts(t.database.db, { accountSid: t.account.sid, target: 'app' });
      const sink = await callbackCounts(t.database.db, { accountSid: t.account.sid, target: 'account' });
      return app.failed === 1 && sink.failed === 3;
    }, 'the failures to be given up');
    await deliverer.stop();
    cookie = await logIn(t.app, t.account);
    sid = (await conferences(t, 'board'))[0]?.sid ?? '';
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("shows a conference's callbacks sent, pending and failed, with the last error", async () => {
    const page = await t.app.inject({ url: `/conferences/${sid}`, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const section = page.body.slice(page.body.indexOf('id="callbacks"'), page.body.indexOf('id="timeline"'));
    expect(section).toContain('<dd data-callbacks="delivered">1</dd>');
    expect(section).toContain('<dd data-callbacks="pending">0</dd>');
    expect(section).toContain('<dd data-callbacks="failed">1</dd>');
    expect(section).toContain('<dd data-callbacks="last-error">HTTP 500</dd>');
  });

  it("shows the account's events URL and how its deliveries fare", async () => {
    const page = await t.app.inject({ url: '/account', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<code>${receiver.url}/sink</code>`);
    expect(page.body).toContain('<dd data-callbacks="delivered">0</dd>');
    expect(page.body).toContain('<dd data-callbacks="failed">3</dd>');
    expect(page.body).toContain('<dd data-callbacks="last-error">HTTP 500</dd>');
    expect((await t.app.inject({ url: '/account' })).statusCode).toBe(303);
  });

  it("masks the credentials in the account's events URL", async () => {
    const host = new URL(receiver.url).host;
    await setEventsUrl(t.database.db, t.account.sid, `http://acct:s3cret@${host}/sink`);
    const page = await t.app.inject({ url: '/account', headers: { cookie } });
    expect(page.body).toContain(`<code>http://acct:***@${host}/sink</code>`);
    expect(page.body).not.toContain('s3cret');
  });
});
