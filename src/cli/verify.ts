// `conclave verify`: the live read models compared with what the event log derives, without changing either.

import { foldProgress, progressDisplay } from '../progress.js';
import { verify as verifyReadModels } from '../reads/verify.js';
import { verifyDeep } from '../reads/verify-deep.js';
import { type Command, DATABASE_ENVIRONMENT, helpOr, limitOf } from './arguments.js';
import { withDatabase } from './database.js';

export const verify: Command = {
  summary:
    'Re-derive the read models in scratch tables and compare them with the live ones; --deep also derives\nthem a second way, in plain SQL over the events. Exits 0 when identical, 1 with the differences listed.',
  usage: 'Usage: conclave verify [--limit N] [--deep]',
  environment: DATABASE_ENVIRONMENT,
  async run(args) {
    const parsed = helpOr(args, this, { limit: { type: 'string' }, deep: { type: 'boolean' } });
    if (!parsed) return 0;
    const limit = limitOf(parsed.values.limit, 100);
    const display = progressDisplay(process.stderr);
    const result = await withDatabase(async (database) => {
      const folded = await verifyReadModels(database, limit, foldProgress(display, 'verify'));
      if (!parsed.values.deep) return folded;
      const deep = await verifyDeep(database, limit);
      return { events: folded.events, differences: [...folded.differences, ...deep.differences] };
    }).finally(() => display.end());
    if (result.differences.length === 0) {
      console.log(`Verified: the read models match the ${result.events} events of the log`);
      return 0;
    }
    console.log(`Differences between the live read models and the log (${result.events} events):`);
    for (const d of result.differences) {
      console.log(
        `  ${d.table}: only in ${d.side === 'live' ? 'the live table' : 'the rebuild'}: ${JSON.stringify(d.row)}`,
      );
    }
    return 1;
  },
};
