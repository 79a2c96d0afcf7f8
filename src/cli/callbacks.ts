// `conclave callbacks`: what was sent to apps and account sinks, and failed callbacks put back in line.

import { formatCallback } from '../commands/callbacks/report.js';
import { loadCallbackSidWait } from '../config.js';
import { canonicalSid, isSid } from '../domain/ids.js';
import { listCallbacks, retryFailed } from '../store/callbacks.js';
import { actionOf, type Command, DATABASE_ENVIRONMENT, helpOr, limitOf, UsageError } from './arguments.js';
import { withDatabase } from './database.js';

export const callbacks: Command = {
  summary: `List the callbacks sent to apps and account sinks, newest first, or put failed ones back in line.
conclave callbacks list [--failed] [--account AC…] [--conference CF…] [--limit N]
conclave callbacks retry [ID] [--account AC…]`,
  usage: 'Usage: conclave callbacks list|retry [options]',
  environment: `${DATABASE_ENVIRONMENT}, CALLBACK_SID_WAIT (for list: which callbacks the servers hold for the platform's Sid)`,
  async run(args) {
    const parsed = helpOr(
      args,
      this,
      {
        failed: { type: 'boolean' },
        account: { type: 'string' },
        conference: { type: 'string' },
        limit: { type: 'string' },
      },
      2,
    );
    if (!parsed) return 0;
    const action = actionOf(parsed, {
      list: { words: 1, options: ['failed', 'account', 'conference', 'limit'] },
      retry: { words: 2, options: ['account'] },
    });
    const [, id] = parsed.positionals;
    const given = parsed.values.account as string | undefined;
    if (given !== undefined && !isSid('AC', given))
      throw new UsageError('--account must be AC followed by 32 hexadecimal digits');
    const accountSid = given && canonicalSid(given);
    const conference = parsed.values.conference as string | undefined;
    if (conference !== undefined && !isSid('CF', conference))
      throw new UsageError('--conference must be CF followed by 32 hexadecimal digits');
    const conferenceSid = conference && canonicalSid(conference);
    if (action === 'list') {
      const limit = limitOf(parsed.values.limit, 50);
      const status = parsed.values.failed ? 'failed' : undefined;
      const sidWaitMs = loadCallbackSidWait() * 1000;
      const rows = await withDatabase((database) =>
        listCallbacks(database.db, { accountSid, conferenceSid, status, limit, sidWaitMs }),
      );
      if (rows.length === 0) console.log(status ? 'No failed callbacks' : 'No callbacks');
      for (const row of rows) console.log(formatCallback(row));
      return 0;
    }
    if (id !== undefined && !/^\d{1,18}$/.test(id)) throw new UsageError(`'${id}' is not a callback id`);
    const count = await withDatabase((database) => retryFailed(database.db, { accountSid, id }));
    if (id !== undefined && count === 0)
      throw new UsageError(
        `no failed callback #${id}${accountSid ? ` of ${accountSid}` : ''}: see conclave callbacks list --failed`,
      );
    console.log(`${count} failed callback${count === 1 ? '' : 's'} put back in line`);
    return 0;
  },
};
