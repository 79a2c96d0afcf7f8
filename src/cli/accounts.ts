// `conclave accounts`: the accounts webhooks and the REST API authenticate against, and where each
// account's every conference event goes.

import { isCallbackUrl, redactUrl } from '../domain/callbacks.js';
import { canonicalSid, isAuthToken, isSid } from '../domain/ids.js';
import { listedName } from '../parameters.js';
import { addOrUpdateAccount, listAccounts, newAccount } from '../store/accounts.js';
import { setEventsUrl } from '../store/callbacks.js';
import { actionOf, type Command, DATABASE_ENVIRONMENT, helpOr, UsageError } from './arguments.js';
import { withDatabase } from './database.js';

export const accounts: Command = {
  summary: `List accounts, or add one (a new SID and token are generated unless given).
conclave accounts list [--show-tokens]
conclave accounts add [--name NAME] [--sid AC…] [--token TOKEN]
conclave accounts set-events-url AC… URL   every conference event of the account goes to URL too
conclave accounts clear-events-url AC…`,
  usage: 'Usage: conclave accounts list|add|set-events-url|clear-events-url [options]',
  environment: DATABASE_ENVIRONMENT,
  async run(args) {
    const parsed = helpOr(
      args,
      this,
      {
        'show-tokens': { type: 'boolean' },
        name: { type: 'string' },
        sid: { type: 'string' },
        token: { type: 'string' },
      },
      3,
    );
    if (!parsed) return 0;
    const action = actionOf(parsed, {
      list: { words: 1, options: ['show-tokens'] },
      add: { words: 1, options: ['name', 'sid', 'token'] },
      'set-events-url': { words: 3, options: [] },
      'clear-events-url': { words: 2, options: [] },
    });
    if (action === 'list') {
      const accounts = await withDatabase((database) => listAccounts(database.db));
      if (accounts.length === 0) console.log('No accounts');
      for (const a of accounts) {
        console.log(
          [a.sid, parsed.values['show-tokens'] ? a.authToken : undefined, a.friendlyName]
            .filter(Boolean)
            .join('  '),
        );
      }
      return 0;
    }
    if (action === 'add') {
      const given = parsed.values.name;
      const friendlyName = given === undefined ? undefined : listedName.read(String(given));
      if (given !== undefined && friendlyName === undefined)
        throw new UsageError(`--name takes ${listedName.expected}`);
      const token = parsed.values.token as string | undefined;
      if (token !== undefined && !isAuthToken(token))
        throw new UsageError('--token must be 32 hexadecimal digits');
      const fresh = newAccount('Account');
      const sid = String(parsed.values.sid ?? fresh.sid);
      if (!isSid('AC', sid)) throw new UsageError('--sid must be AC followed by 32 hexadecimal digits');
      const { account, created } = await withDatabase(
        (database) =>
          addOrUpdateAccount(database.db, canonicalSid(sid), { authToken: token, friendlyName }, fresh),
        { create: true },
      );
      if (!created) {
        console.log(
          `Account updated: ${account.sid} (${token === undefined ? 'its auth token unchanged' : 'the auth token given'})`,
        );
        return 0;
      }
      console.log(`Account saved: ${account.sid}`);
      if (token === undefined) console.log(`Auth token: ${account.authToken}`);
      return 0;
    }
    const [, given, url = null] = parsed.positionals;
    if (given === undefined) throw new UsageError(`${action} needs the account's Sid`);
    if (!isSid('AC', given))
      throw new UsageError(`${action} takes an account Sid: AC followed by 32 hexadecimal digits`);
    const sid = canonicalSid(given);
    if (action === 'set-events-url' && !isCallbackUrl(url ?? '')) {
      throw new UsageError('set-events-url needs an absolute http(s) URL after the Sid');
    }
    const found = await withDatabase((database) => setEventsUrl(database.db, sid, url));
    if (!found) throw new UsageError(`no account ${sid}`);
    console.log(url === null ? `Events URL of ${sid} cleared` : `Events of ${sid} go to ${redactUrl(url)}`);
    return 0;
  },
};
