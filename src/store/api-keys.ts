// API keys: an SK… Sid and a secret that authenticate REST requests for one account, as Twilio's do. The
// secret is random and long, so a keyed hash (HMAC-SHA256 under a per-key salt) guards it well enough
// while costing a REST read next to nothing; a slow password hash would cost every request.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Executor } from './executor.js';
import { remembered } from './remembered.js';

export interface ApiKey {
  sid: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: Date;
  dateRevoked: Date | null;
}

interface StoredKey extends ApiKey {
  salt: Uint8Array;
  hash: Uint8Array;
}

function secretHash(salt: Uint8Array, secret: string): Buffer {
  return createHmac('sha256', salt).update(secret).digest();
}

/** A new key for `accountSid`, saved; the secret is in the answer and nowhere else. */
export async function createApiKey(
  executor: Executor,
  accountSid: string,
  friendlyName: string,
): Promise<{ key: ApiKey; secret: string }> {
  const sid = `SK${randomBytes(16).toString('hex')}`;
  // 32 characters as Twilio's secrets have, carrying 192 random bits.
  const secret = randomBytes(24).toString('base64url');
  const salt = randomBytes(16);
  const row = await executor
    .insertInto('api_keys')
    .values({
      account_sid: accountSid,
      key_sid: sid,
      friendly_name: friendlyName,
      secret_salt: salt,
      secret_hash: secretHash(salt, secret),
    })
    .returning(['date_created'])
    .executeTakeFirstOrThrow();
  return {
    key: { sid, accountSid, friendlyName, dateCreated: row.date_created, dateRevoked: null },
    secret,
  };
}

export async function listApiKeys(executor: Executor, accountSid?: string): Promise<ApiKey[]> {
  let query = executor
    .selectFrom('api_keys')
    .select(['key_sid', 'account_sid', 'friendly_name', 'date_created', 'date_revoked'])
    .orderBy('date_created')
    .orderBy('key_sid');
  if (accountSid !== undefined) query = query.where('account_sid', '=', accountSid);
  const rows = await query.execute();
  return rows.map((row) => ({
    sid: row.key_sid,
    accountSid: row.account_sid,
    friendlyName: row.friendly_name,
    dateCreated: row.date_created,
    dateRevoked: row.date_revoked,
  }));
}

/** Revokes the key; returns it, or undefined when there is no such key. Revoking twice changes nothing. */
export async function revokeApiKey(executor: Executor, sid: string): Promise<ApiKey | undefined> {
  await executor
    .updateTable('api_keys')
    .set({ date_revoked: new Date() })
    .where('key_sid', '=', sid)
    .where('date_revoked', 'is', null)
    .execute();
  return (await listApiKeys(executor)).find((key) => key.sid === sid);
}

async function findStoredKey(executor: Executor, sid: string): Promise<StoredKey | undefined> {
  const row = await executor
    .selectFrom('api_keys')
    .select([
      'key_sid',
      'account_sid',
      'friendly_name',
      'date_created',
      'date_revoked',
      'secret_salt',
      'secret_hash',
    ])
    .where('key_sid', '=', sid)
    .executeTakeFirst();
  return (
    row && {
      sid: row.key_sid,
      accountSid: row.account_sid,
      friendlyName: row.friendly_name,
      dateCreated: row.date_created,
      dateRevoked: row.date_revoked,
      salt: row.secret_salt,
      hash: row.secret_hash,
    }
  );
}

const findKeyForRequest = remembered(findStoredKey);
// Unknown Sids are hashed against this too, so that they take as long to refuse as a wrong secret.
const NO_SALT = randomBytes(16);

/**
 * The account Sid a key and secret authenticate, or undefined (unknown key, wrong secret, revoked key).
 * Keys are looked up as accounts are, remembered for a moment: a revocation takes effect within it.
 */
export async function apiKeyAccount(
  executor: Executor,
  sid: string,
  secret: string,
): Promise<string | undefined> {
  const key = await findKeyForRequest(executor, sid);
  const given = secretHash(key?.salt ?? NO_SALT, secret);
  const matches = key !== undefined && timingSafeEqual(key.hash, given);
  return matches && key.dateRevoked === null ? key.accountSid : undefined;
}
