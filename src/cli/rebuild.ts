// `conclave rebuild`: every read model derived again from the event log, in place.

import { foldProgress, progressDisplay } from '../progress.js';
import { rebuild as rebuildReadModels } from '../reads/rebuild.js';
import { type Command, DATABASE_ENVIRONMENT, helpOr } from './arguments.js';
import { withDatabase } from './database.js';

export const rebuild: Command = {
  summary: 'Re-derive every read model (rooms, calls, conferences, participants) from the event log.',
  usage: 'Usage: conclave rebuild',
  environment: DATABASE_ENVIRONMENT,
  async run(args) {
    if (!helpOr(args, this)) return 0;
    const display = progressDisplay(process.stderr);
    const summary = await withDatabase((database) =>
      rebuildReadModels(database, foldProgress(display, 'rebuild')),
    ).finally(() => display.end());
    console.log(`Rebuilt from ${summary.events} events: ${summary.rooms} rooms, ${summary.calls} calls`);
    return 0;
  },
};
