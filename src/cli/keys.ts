// `conclave keys`: API keys for the REST API. A key's secret is printed once, at creation, and kept only as
// a keyed hash; listing shows Sids, accounts and names, never a secret.

import { canonicalSid, isSid } from '../domain/ids.js';
import { listedName } from '../parameters.js';
import { listAccounts } from '../store/accounts.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../store/api-keys.js';
import type { Executor } from '../store/executor.js';
import { actionOf, type Command, DATABASE_ENVIRONMENT, helpOr, UsageError } from './arguments.js';
import { withDatabase } from './database.js';

const KEYS_HELP = `Create, list or revoke API keys: SK… Sids with a secret that read the REST API for one account,
as Twilio's do (twilio(keySid, keySecret, { accountSid })). Webhook signatures stay on the auth token.
  conclave keys create [--name NAME] [--account AC…]   prints the secret once; the account defaults to
                                                      TWILIO_ACCOUNT_SID, or the only account there is
  conclave keys list [--account AC…]
  conclave keys revoke SK…                             refused from then on (within 2 s on a running server)`;

async function accountFor(executor: Executor, given: string | undefined): Promise<string> {
  const accounts = await listAccounts(executor);
  if (given !== undefined) {
    if (!accounts.some((a) => a.sid === given)) throw new UsageError(`no account ${given}`);
    return given;
  }
  const [only, ...more] = accounts;
  if (!only) throw new UsageError('there is no account yet: start the server once or add one');
  if (more.length > 0) throw new UsageError('there are several accounts: choose one with --account');
  return only.sid;
}

interface KeyOptions {
  name?: string;
  account?: string;
}

const day = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** A `keys` command line, checked whole before the database is opened. */
type KeysRequest =
  | { action: 'create'; account: string | undefined; name: string }
  | { action: 'list'; account: string | undefined }
  | { action: 'revoke'; keySid: string };

/**
 * What `action`, the key Sid `given` after it and the options ask for; the account a key is created for
 * defaults to `defaultAccount` (TWILIO_ACCOUNT_SID), named as such when it is what is wrong. A list is of
 * every account's keys unless `--account` says whose.
 */
function keysRequest(
  action: KeysRequest['action'],
  given: string | undefined,
  values: KeyOptions,
  defaultAccount: string | undefined,
): KeysRequest {
  const accountText = values.account ?? (action === 'create' ? defaultAccount : undefined);
  if (accountText !== undefined && !isSid('AC', accountText))
    throw new UsageError(
      `${values.account === undefined ? 'TWILIO_ACCOUNT_SID' : '--account'} must be AC followed by 32 hexadecimal digits`,
    );
  const account = accountText && canonicalSid(accountText);
  if (action === 'create') {
    const name = values.name === undefined ? 'API key' : listedName.read(values.name);
    if (name === undefined) throw new UsageError(`--name takes ${listedName.expected}`);
    return { action, account, name };
  }
  if (action === 'list') return { action, account };
  if (given === undefined || !isSid('SK', given))
    throw new UsageError('revoke takes the key Sid: SK followed by 32 hexadecimal digits');
  return { action, keySid: canonicalSid(given) };
}

async function runKeys(executor: Executor, request: KeysRequest): Promise<string[]> {
  if (request.action === 'create') {
    const accountSid = await accountFor(executor, request.account);
    const { key, secret } = await createApiKey(executor, accountSid, request.name);
    return [
      `API key ${key.sid} created for ${accountSid}`,
      `Secret (shown this once, keep it now): ${secret}`,
    ];
  }
  if (request.action === 'list') {
    const keys = await listApiKeys(executor, request.account);
    if (keys.length === 0) return ['No API keys'];
    return keys.map((key) =>
      [
        key.sid,
        key.accountSid,
        `created ${day(key.dateCreated)}`,
        key.dateRevoked ? `revoked ${day(key.dateRevoked)}` : 'active',
        key.friendlyName,
      ].join('  '),
    );
  }
  const key = await revokeApiKey(executor, request.keySid);
  if (!key) throw new UsageError(`no API key ${request.keySid}`);
  return [`API key ${request.keySid} revoked; a running server refuses it within 2 s`];
}

export const keys: Command = {
  summary: KEYS_HELP,
  usage: 'Usage: conclave keys create|list|revoke [options]',
  environment: `${DATABASE_ENVIRONMENT}, TWILIO_ACCOUNT_SID (the account a key is created for, unless --account names one)`,
  async run(args) {
    const parsed = helpOr(args, this, { name: { type: 'string' }, account: { type: 'string' } }, 2);
    if (!parsed) return 0;
    const action = actionOf(parsed, {
      create: { words: 1, options: ['name', 'account'] },
      list: { words: 1, options: ['account'] },
      revoke: { words: 2, options: [] },
    });
    const defaultAccount = process.env.TWILIO_ACCOUNT_SID || undefined;
    const request = keysRequest(action, parsed.positionals[1], parsed.values as KeyOptions, defaultAccount);
    const lines = await withDatabase((database) => runKeys(database.db, request));
    console.log(lines.join('\n'));
    return 0;
  },
};
