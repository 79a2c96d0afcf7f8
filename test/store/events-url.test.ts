// The account's events URL (`conclave accounts set-events-url` / `clear-events-url`): the callbacks queued
// for it and not yet delivered follow it, to the new URL in their order, or, once it is cleared, are
// recorded as failed and never sent; nothing is queued for an old URL afterwards.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { fillOutbox } from '../../src/commands/callbacks/fill.js';
import { claimCallbacks, recordAttempts, retryFailed, setEventsUrl } from '../../src/store/callbacks.js';
import { useApp } from '../helpers/app.js';
import { eventually } from '../helpers/callback-receiver.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, webhookClient } from '../webhooks/client.js';

describe.each(databaseKinds)('the account events URL on $name', (kind) => {
  const t = useApp(kind);
  const sink = (path: string) => `http://127.0.0.1:9/${path}`;
  const queued = () =>
    t.database.db
      .selectFrom('callbacks')
      .select(['url', 'status', 'last_error'])
      .where('account_sid', '=', t.account.sid)
      .where('target', '=', 'account')
      .orderBy('id')
      .execute();
  // The outbox is filled only up to the settled end of the log, and on a shared server another database's
  // open transaction holds that end back (transaction ids are the whole server's): fill until the
  // checkpoint has passed this account's last event.
  const filled = async () => {
    await fillOutbox(t.database.db);
    const behind = await sql<{ n: number }>`
      select count(*)::int as n from events e where e.account_sid = ${t.account.sid} and not exists (
        select 1 from callback_checkpoints c where c.account_sid = e.account_sid
          and (c.transaction_id, c.global_position) >= (e.transaction_id, e.global_position))`.execute(
      t.database.db,
    );
    return behind.rows[0]?.n === 0;
  };
  const join = async (room: string) => {
    expect((await webhookClient(t).voice(newCallSid(), room)).statusCode).toBe(200);
    await eventually(filled, "the outbox filled up to the room's last event");
  };

  it('moves what is queued to a new URL, and fails it unsent once the URL is cleared', async () => {
    expect(await setEventsUrl(t.database.db, t.account.sid, sink('old'))).toBe(true);
    await join('sunk');
    const first = await queued();
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((c) => c.url === sink('old') && c.status === 'pending')).toBe(true);

    // Tried at the old URL for an hour, and backed off for ten minutes.
    await t.database.db
      .updateTable('callbacks')
      .set({
        attempts: 40,
        first_attempt_at: sql<Date>`now() - interval '1 hour'`,
        next_attempt_at: sql<Date>`now() + interval '10 minutes'`,
      })
      .where('account_sid', '=', t.account.sid)
      .execute();
    expect(await setEventsUrl(t.database.db, t.account.sid, sink('new'))).toBe(true);
    const afresh = await t.database.db
      .selectFrom('callbacks')
      .select(['first_attempt_at'])
      .select(sql<boolean>`next_attempt_at <= now()`.as('due'))
      .where('account_sid', '=', t.account.sid)
      .execute();
    expect(afresh.every((c) => c.first_attempt_at === null && c.due)).toBe(true);
    await join('sunk');
    const moved = await queued();
    expect(moved.length).toBeGreaterThan(first.length);
    expect(moved.every((c) => c.url === sink('new') && c.status === 'pending')).toBe(true);

    expect(await setEventsUrl(t.database.db, t.account.sid, null)).toBe(true);
    await join('sunk');
    expect(await queued()).toEqual(
      moved.map((c) => ({ ...c, status: 'failed', last_error: 'not sent: the events URL was cleared' })),
    );

    // Put back in line, they go to the events URL as it is now, and nowhere while there is none.
    expect(await retryFailed(t.database.db, { accountSid: t.account.sid })).toBe(0);
    expect(await setEventsUrl(t.database.db, t.account.sid, sink('newest'))).toBe(true);
    expect(await retryFailed(t.database.db, { accountSid: t.account.sid })).toBe(moved.length);
    expect((await queued()).every((c) => c.url === sink('newest') && c.status === 'pending')).toBe(true);
  });

  describe('an attempt out when the URL is cleared', () => {
    /** Claims the first callback of a new room's, queued for the events URL `path`; earlier ones failed unsent. */
    const claimOne = async (path: string) => {
      expect(await setEventsUrl(t.database.db, t.account.sid, null)).toBe(true);
      expect(await setEventsUrl(t.database.db, t.account.sid, sink(path))).toBe(true);
      await join(path);
      const [claimed] = await claimCallbacks(t.database.db, 1, 60_000);
      if (claimed?.url !== sink(path)) throw new Error(`claimed ${claimed?.url}, not ${sink(path)}`);
      expect(await setEventsUrl(t.database.db, t.account.sid, null)).toBe(true);
      return claimed;
    };

    it('is recorded delivered if it succeeds', async () => {
      const claimed = await claimOne('flying');
      const sent = { claimed, delivered: true, status: 204, error: null, retryInMs: 0 };
      expect(await recordAttempts(t.database.db, [sent], 60_000)).toEqual(
        new Map([[claimed.id, 'delivered']]),
      );
    });

    it('put back in line meanwhile, waits for that attempt: never sent twice at once', async () => {
      const claimed = await claimOne('circling');
      expect(await setEventsUrl(t.database.db, t.account.sid, sink('later'))).toBe(true);
      expect(await retryFailed(t.database.db, { accountSid: t.account.sid, id: claimed.id })).toBe(1);
      expect((await claimCallbacks(t.database.db, 10, 60_000)).map((c) => c.id)).not.toContain(claimed.id);
      const sent = { claimed, delivered: true, status: 204, error: null, retryInMs: 0 };
      expect(await recordAttempts(t.database.db, [sent], 60_000)).toEqual(
        new Map([[claimed.id, 'delivered']]),
      );
    });

    it('stays failed unsent if it fails', async () => {
      const claimed = await claimOne('falling');
      const refused = { claimed, delivered: false, status: 500, error: 'HTTP 500', retryInMs: 0 };
      expect(await recordAttempts(t.database.db, [refused], 60_000)).toEqual(new Map());
      const row = await t.database.db
        .selectFrom('callbacks')
        .select(['status', 'last_error'])
        .where('account_sid', '=', t.account.sid)
        .where('id', '=', claimed.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'failed', last_error: 'not sent: the events URL was cleared' });
    });
  });

  it('keeps a new URL due at once when an attempt to the old one fails or is cut short meanwhile', async () => {
    expect(await setEventsUrl(t.database.db, t.account.sid, null)).toBe(true);
    expect(await setEventsUrl(t.database.db, t.account.sid, sink('moving'))).toBe(true);
    await join('moving');
    await join('moving too');
    const claims = await claimCallbacks(t.database.db, 10, 60_000);
    const [failing, released] = claims.filter((c) => c.url === sink('moving'));
    if (failing === undefined || released === undefined)
      throw new Error('one callback of each room to claim');
    expect(await setEventsUrl(t.database.db, t.account.sid, sink('moved'))).toBe(true);
    const outcomes = [
      { claimed: failing, delivered: false, status: 503, error: 'HTTP 503', retryInMs: 600_000 },
      {
        claimed: released,
        delivered: false,
        status: null,
        error: 'cut short',
        retryInMs: 0,
        released: true as const,
      },
    ];
    await recordAttempts(t.database.db, outcomes, 60_000);
    const rows = await t.database.db
      .selectFrom('callbacks')
      .select(['id', 'window_attempts', 'first_attempt_at'])
      .select(sql<boolean>`next_attempt_at <= now()`.as('due'))
      .where('account_sid', '=', t.account.sid)
      .where('id', 'in', [failing.id, released.id])
      .orderBy('id')
      .execute();
    expect(rows.map(({ id, ...rest }) => rest)).toEqual([
      { window_attempts: 0, first_attempt_at: null, due: true },
      { window_attempts: 0, first_attempt_at: null, due: true },
    ]);
  });

  it('answers false for an account there is not', async () => {
    expect(await setEventsUrl(t.database.db, `AC${'0'.repeat(32)}`, sink('x'))).toBe(false);
  });
});
