// `conclave migrate`: the database's migrations, applied up front rather than by the first server.

import { type Command, DATABASE_ENVIRONMENT, helpOr } from './arguments.js';
import { withDatabase } from './database.js';

export const migrate: Command = {
  summary: 'Apply the database migrations that are not applied yet.',
  usage: 'Usage: conclave migrate',
  environment: DATABASE_ENVIRONMENT,
  async run(args) {
    if (!helpOr(args, this)) return 0;
    const applied = await withDatabase(async (_, migrations) => migrations, { create: true });
    console.log(
      applied.length === 0 ? 'Migrations: up to date' : `Migrations applied: ${applied.join(', ')}`,
    );
    return 0;
  },
};
