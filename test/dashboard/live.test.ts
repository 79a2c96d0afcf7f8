// The live feed at /live over a listening server, read as a browser's EventSource reads it: every change
// once, in order, resumed after Last-Event-ID on a reconnect, at the same replica or another.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { newAccount, saveAccount } from '../../src/store/accounts.js';
import type { Database } from '../../src/store/database.js';
import { parseCursor } from '../../src/store/feed.js';
import { apply, conferenceSidOf, useTenants } from '../api/seed.js';
import { build, useApp } from '../helpers/app.js';
import { callSid, commands } from '../helpers/commands.js';
import { databaseKinds, postgresKind } from '../helpers/databases.js';
import { webhookClient } from '../webhooks/client.js';
import { logIn, openEventStream, type SseMessage } from './helpers.js';

interface Change {
  id: string;
  type: string;
  room: string;
  conferenceSid: string | null;
  callSid: string | null;
  kind: string;
  summary: string;
}

const changes = (messages: SseMessage[]) => messages.map((m) => JSON.parse(m.data) as Change);

/** The feed URL the page at `path` follows. */
async function feedOf(address: string, path: string, cookie: string): Promise<string> {
  const page = await (await fetch(address + path, { headers: { cookie } })).text();
  const feed = /<body data-feed="([^"]+)">/.exec(page)?.[1];
  if (!feed) throw new Error(`no feed on ${path}`);
  return address + feed.replaceAll('&amp;', '&');
}

describe.each(databaseKinds)('the live feed on $name', (kind) => {
  const t = useTenants(useApp(kind));
  let address: string;
  let cookie: string;

  beforeAll(async () => {
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    cookie = await logIn(t.app, t.account);
  });

  it('sends every change after the page was read, once, in order, with its cursor as id', async () => {
    const feed = await feedOf(address, '/', cookie);
    const c = commands();
    await apply(t.database, t.account.sid, [
      c.join(callSid(1), 'Stand-up <"&\'>'),
      c.join(callSid(2), 'Stand-up <"&\'>'),
    ]);
    const stream = await openEventStream(feed, { cookie });
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
    const messages = await stream.until(4);
    stream.close();
    expect(messages.map((m) => m.event)).toEqual(['change', 'change', 'change', 'change']);
    expect(changes(messages).map((m) => m.type)).toEqual([
      'ConferenceOpened',
      'ParticipantJoined',
      'ParticipantJoined',
      'ConferenceStarted',
    ]);
    expect(changes(messages)[1]).toMatchObject({
      room: 'Stand-up <"&\'>',
      callSid: callSid(1),
      kind: 'join',
      summary: `Stand-up <"&'>: +15550100 joined`,
    });
    const cursors = messages.map((m) => parseCursor(m.id ?? ''));
    expect(cursors.every((cursor) => cursor !== undefined)).toBe(true);
    expect(new Set(messages.map((m) => m.id)).size).toBe(4);
  });

  it("ends an open feed once its session is logged out or its account's token changes, and only then", async () => {
    const kept = await openEventStream(`${address}/live`, { cookie });
    const loggingOut = await logIn(t.app, t.account);
    const first = await openEventStream(`${address}/live`, { cookie: loggingOut });
    expect(first.status).toBe(200);
    const logout = await t.app.inject({ method: 'POST', url: '/logout', headers: { cookie: loggingOut } });
    expect(logout.statusCode).toBe(303);
    await first.ended();
    const rotating = newAccount('Rotating');
    await saveAccount(t.database.db, rotating);
    const second = await openEventStream(`${address}/live`, { cookie: await logIn(t.app, rotating) });
    expect(second.status).toBe(200);
    await saveAccount(t.database.db, { ...rotating, authToken: newAccount('new').authToken });
    await second.ended();
    // The feed whose session holds has been checked meanwhile (it opened first) and goes on.
    const c = commands();
    await apply(t.database, t.account.sid, [c.join(callSid(30), 'still followed')]);
    const messages = await kept.waitFor((all) => changes(all).some((m) => m.room === 'still followed'));
    kept.close();
    expect(changes(messages).filter((m) => m.room === 'still followed').length).toBeGreaterThan(0);
  });

  it("resumes after Last-Event-ID with exactly what it missed, and shows no other account's changes", async () => {
    const feed = await feedOf(address, '/', cookie);
    const c = commands();
    const room = 'Resumed';
    await apply(t.database, t.account.sid, [c.join(callSid(10), room)]);
    const first = await openEventStream(feed, { cookie });
    const isJoin = (m: Change) => m.type === 'ParticipantJoined' && m.room === room;
    const before = await first.waitFor((messages) => changes(messages).some(isJoin));
    first.close();

    await apply(t.database, t.otherAccount.sid, [c.join(callSid(11), 'Not yours')]);
    await apply(t.database, t.account.sid, [
      c.join(callSid(12), room),
      c.leave(callSid(12)),
      c.leave(callSid(10)),
    ]);
    const lastSeen = before[changes(before).findIndex(isJoin)]?.id ?? '';
    const again = await openEventStream(feed, { cookie, 'last-event-id': lastSeen });
    const after = await again.waitFor((messages) =>
      changes(messages).some((m) => m.type === 'ConferenceEnded'),
    );
    again.close();
    expect(changes(after).map((m) => [m.type, m.room])).toEqual([
      ['ParticipantJoined', room],
      ['ConferenceStarted', room],
      ['ParticipantLeft', room],
      ['ParticipantLeft', room],
      ['ConferenceEnded', room],
    ]);
    const ids = [...before, ...after].map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("follows one conference on that conference's page", async () => {
    const c = commands();
    await apply(t.database, t.account.sid, [c.join(callSid(20), 'Followed')]);
    const sid = await conferenceSidOf(t.database, t.account.sid, 'Followed');
    const feed = await feedOf(address, `/conferences/${sid}`, cookie);
    expect(feed).toContain(`conference=${sid}`);
    await apply(t.database, t.account.sid, [
      c.join(callSid(21), 'Elsewhere'),
      c.update(callSid(20), { muted: true }),
    ]);
    const stream = await openEventStream(feed, { cookie });
    // The page's cursor may come before changes it already shows, which then come again: never fewer.
    const received = await stream.waitFor((messages) =>
      changes(messages).some((m) => m.type === 'ParticipantUpdated'),
    );
    stream.close();
    expect(changes(received).every((m) => m.conferenceSid === sid)).toBe(true);
    expect(changes(received).at(-1)).toMatchObject({
      type: 'ParticipantUpdated',
      summary: `Followed: ${callSid(20)} is now muted`,
    });
  });

  it("follows a conference on its page by the platform's Sid, which the dashboard links to", async () => {
    const hooks = webhookClient(t);
    const room = 'Reported';
    const [first, second] = [callSid(30), callSid(31)];
    for (const call of [first, second]) expect((await hooks.voice(call, room)).statusCode).toBe(200);
    expect((await hooks.participant('participant-join', room, first, 1)).statusCode).toBe(204);
    const minted = await conferenceSidOf(t.database, t.account.sid, room);
    const platform = (
      await t.database.db
        .selectFrom('conferences')
        .select('platform_sid')
        .where('sid', '=', minted)
        .executeTakeFirstOrThrow()
    ).platform_sid;
    expect(platform).toMatch(/^CF[0-9a-f]{32}$/);
    const feed = await feedOf(address, `/conferences/${platform}`, cookie);
    expect((await hooks.participant('participant-mute', room, second, 2, { muted: true })).statusCode).toBe(
      204,
    );
    const stream = await openEventStream(feed, { cookie });
    const received = await stream.waitFor((messages) =>
      changes(messages).some((m) => m.type === 'ParticipantUpdated'),
    );
    stream.close();
    expect(changes(received).at(-1)).toMatchObject({ type: 'ParticipantUpdated', conferenceSid: minted });
  });

  it('refuses a malformed cursor or conference, and anyone without a session', async () => {
    const status = async (path: string, headers: Record<string, string> = { cookie }) =>
      (await fetch(address + path, { headers })).status;
    expect(await status('/live?after=12')).toBe(400);
    expect(await status('/live', { cookie, 'last-event-id': 'x:1' })).toBe(400);
    expect(await status('/live?conference=CF12')).toBe(400);
    expect(await status('/live?after=1%3A1', {})).toBe(401);
  });
});

describe('the live feed when the server closes', () => {
  it('ends open streams so that closing does not wait for them', async () => {
    const t = await build(databaseKinds[0] as (typeof databaseKinds)[number]);
    try {
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const stream = await openEventStream(`${address}/live`, { cookie: await logIn(t.app, t.account) });
      await t.app.close();
      await stream.ended();
    } finally {
      await t.database.drop();
    }
  });
});

describe.skipIf(!postgresKind)('the live feed across replicas on PostgreSQL', () => {
  const t = useApp(postgresKind as NonNullable<typeof postgresKind>);
  let replica: Awaited<ReturnType<typeof buildApp>>;
  let replicaDatabase: Database;

  beforeAll(async () => {
    replicaDatabase = await t.database.openReplica(4);
    replica = await buildApp({ config: t.config, database: replicaDatabase });
  });
  afterAll(async () => {
    await replica?.close();
  });

  it('shows at one replica what webhooks did at another, and resumes at either', async () => {
    const addresses = [
      await t.app.listen({ port: 0, host: '127.0.0.1' }),
      await replica.listen({ port: 0, host: '127.0.0.1' }),
    ] as [string, string];
    // A session opened at one replica is good at the other.
    const cookie = await logIn(t.app, t.account);
    const feed = await feedOf(addresses[1], '/', cookie);
    const atReplica = await openEventStream(feed, { cookie });

    const webhooks = webhookClient(t);
    expect((await webhooks.voice(callSid(30), 'Across')).statusCode).toBe(200);
    const first = await atReplica.until(2);
    atReplica.close();
    expect(changes(first).map((m) => m.type)).toEqual(['ConferenceOpened', 'ParticipantJoined']);

    expect((await webhooks.voice(callSid(31), 'Across')).statusCode).toBe(200);
    const resumed = await openEventStream(feed.replace(addresses[1], addresses[0]), {
      cookie,
      'last-event-id': first.at(-1)?.id ?? '',
    });
    const rest = await resumed.until(2);
    resumed.close();
    expect(changes(rest).map((m) => m.type)).toEqual(['ParticipantJoined', 'ConferenceStarted']);
  });
});
