// What the webhooks left in the read models and the log, read straight from the database.

import type { TestApp } from '../helpers/app.js';

export function conferences(t: TestApp, friendlyName: string) {
  return t.database.db
    .selectFrom('conferences')
    .selectAll()
    .where('account_sid', '=', t.account.sid)
    .where('friendly_name', '=', friendlyName)
    .orderBy('sid')
    .execute();
}

export function participants(t: TestApp, conferenceSid: string) {
  return t.database.db
    .selectFrom('participants')
    .selectAll()
    .where('account_sid', '=', t.account.sid)
    .where('conference_sid', '=', conferenceSid)
    .orderBy('date_created')
    .orderBy('call_sid')
    .execute();
}

/** The data of the account's events of `type`, in no particular order. */
export async function eventData(t: TestApp, type: string): Promise<Record<string, unknown>[]> {
  const rows = await t.database.db
    .selectFrom('events')
    .select('data')
    .where('account_sid', '=', t.account.sid)
    .where('type', '=', type)
    .execute();
  return rows.map((row) => row.data as Record<string, unknown>);
}

/** The JoinRejected events recorded for `callSid`: why a join was turned away. */
export async function rejections(t: TestApp, callSid: string): Promise<Record<string, unknown>[]> {
  return (await eventData(t, 'JoinRejected')).filter((data) => data.callSid === callSid);
}

export async function connectedCallSids(t: TestApp, conferenceSid: string): Promise<string[]> {
  return (await participants(t, conferenceSid))
    .filter((p) => p.status === 'connected')
    .map((p) => p.call_sid)
    .sort();
}

/** Every event and derived row of the account, for comparing one state with another. Rows that only
 * serve as locks (a room or call row with nothing recorded yet) are left out, as verify leaves them out. */
export async function snapshot(t: TestApp) {
  const db = t.database.db;
  const account = t.account.sid;
  return {
    events: await db
      .selectFrom('events')
      .select(['friendly_name', 'stream_position', 'type', 'data'])
      .where('account_sid', '=', account)
      .orderBy('global_position')
      .execute(),
    rooms: await db
      .selectFrom('rooms')
      .selectAll()
      .where('account_sid', '=', account)
      .where('version', '>', 0 as never)
      .orderBy('friendly_name')
      .execute(),
    calls: await db
      .selectFrom('calls')
      .selectAll()
      .where('account_sid', '=', account)
      .where((eb) => eb.or([eb('room', 'is not', null), eb('ended', '=', true)]))
      .orderBy('call_sid')
      .execute(),
    conferences: await db
      .selectFrom('conferences')
      .selectAll()
      .where('account_sid', '=', account)
      .orderBy('sid')
      .execute(),
    participants: await db
      .selectFrom('participants')
      .selectAll()
      .where('account_sid', '=', account)
      .orderBy('conference_sid')
      .orderBy('call_sid')
      .execute(),
  };
}

/** How many rows of `table` the account has: what "nothing recorded" is checked against. */
export async function countRows(t: TestApp, table: 'events' | 'inbox'): Promise<number> {
  const row = await t.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('account_sid', '=', t.account.sid)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
