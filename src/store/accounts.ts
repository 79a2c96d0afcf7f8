// Accounts and their auth tokens: who may send webhooks and read through the REST API.

import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Account } from '../domain/account.js';

export type { Account } from '../domain/account.js';

import type { Executor } from './executor.js';
import { REMEMBER_MS, remembered } from './remembered.js';
import type { DB } from './schema.js';

// Names the lock that lets only one of several starting replicas create the development account.
const DEVELOPMENT_ACCOUNT_LOCK = 4_211_987_330_651_735n;

export async function findAccount(executor: Executor, sid: string): Promise<Account | undefined> {
  const row = await executor
    .selectFrom('accounts')
    .select(['account_sid', 'auth_token', 'friendly_name'])
    .where('account_sid', '=', sid)
    .executeTakeFirst();
  return row && { sid: row.account_sid, authToken: row.auth_token, friendlyName: row.friendly_name };
}

/** How long a looked-up account is trusted: a changed or removed token takes effect within this time. */
export const ACCOUNT_TTL_MS = REMEMBER_MS;

/** `findAccount` for authenticating requests: answers are reused for a moment (see remembered.ts). */
export const findAccountForRequest = remembered(findAccount);

export async function listAccounts(executor: Executor): Promise<Account[]> {
  const rows = await executor
    .selectFrom('accounts')
    .select(['account_sid', 'auth_token', 'friendly_name'])
    .orderBy('date_created')
    .orderBy('account_sid')
    .execute();
  return rows.map((row) => ({
    sid: row.account_sid,
    authToken: row.auth_token,
    friendlyName: row.friendly_name,
  }));
}

/** Creates the account, or gives an existing one the token and name given. */
export async function saveAccount(executor: Executor, account: Account): Promise<void> {
  await addOrUpdateAccount(executor, account.sid, account, account);
}

/**
 * Creates account `sid` with the token and name given, else `fresh`'s; or, if it exists, changes only what
 * is given: an operator renaming an account must not void the token every sender signs with.
 */
export async function addOrUpdateAccount(
  executor: Executor,
  sid: string,
  given: { authToken?: string; friendlyName?: string },
  fresh: { authToken: string; friendlyName: string },
): Promise<{ account: Account; created: boolean }> {
  const row = await executor
    .insertInto('accounts')
    .values({
      account_sid: sid,
      auth_token: given.authToken ?? fresh.authToken,
      friendly_name: given.friendlyName ?? fresh.friendlyName,
    })
    .onConflict((oc) =>
      oc.column('account_sid').doUpdateSet((eb) => ({
        auth_token: given.authToken ?? eb.ref('accounts.auth_token'),
        friendly_name: given.friendlyName ?? eb.ref('accounts.friendly_name'),
      })),
    )
    // A row inserted rather than updated has no deleting transaction yet.
    .returning(['auth_token', 'friendly_name', sql<boolean>`xmax = 0`.as('created')])
    .executeTakeFirstOrThrow();
  return {
    account: { sid, authToken: row.auth_token, friendlyName: row.friendly_name },
    created: row.created,
  };
}

/** A new account with a random Sid and a Twilio-style token of 32 hex digits. */
export function newAccount(friendlyName: string): Account {
  return {
    sid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(16).toString('hex'),
    friendlyName,
  };
}

/**
 * Creates a development account when the database has none, so that a first run works with no set-up.
 * Returns it when it was created; concurrent first starts create one between them.
 */
export async function ensureDevelopmentAccount(
  db: Kysely<DB>,
  friendlyName: string,
): Promise<Account | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${DEVELOPMENT_ACCOUNT_LOCK})`.execute(trx);
    if ((await trx.selectFrom('accounts').select('account_sid').limit(1).execute()).length > 0)
      return undefined;
    const account = newAccount(friendlyName);
    await saveAccount(trx, account);
    return account;
  });
}
