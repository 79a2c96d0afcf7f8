// `conclave simulate`: signed call flows driven against a running Conclave, as a telephony edge would.

import { runSimulation } from '../simulate/command.js';
import { OptionError, type SimulationOptions, simulationOptions } from '../simulate/options.js';
import { simulationDefaults } from '../simulate/target.js';
import { type Command, helpOr, UsageError } from './arguments.js';

export const simulate: Command = {
  summary: `Drive signed call flows against a running Conclave, as a telephony edge would.
Callers join rooms with mixed attributes, moderators end conferences, mutes and holds come through
conference callbacks, calls leave by hang-up or by leaving the dial, and some deliveries are repeated.
Prints a summary; exits 1 if any request failed. With no flags it finds a local server by itself.
--url URL          where the server listens (default: http://HOST:PORT from the environment)
--public-url URL   the server's PUBLIC_URL, when requests reach it by another URL (default: PUBLIC_URL,
                   or --url when given)
--account AC…      the account (default: TWILIO_ACCOUNT_SID, else the development account that
                   \`npm start\` created in DATA_DIR, or in DATABASE_URL)
--token TOKEN      its auth token (default: TWILIO_AUTH_TOKEN, else the development account's)
--rooms N          rooms played at once (default 3)
--callers N        callers per conference (default 4)
--duration S       seconds over which each room's calls are spread (default 10; 0 for full speed)`,
  usage:
    'Usage: conclave simulate [--url URL] [--account AC… --token TOKEN] [--public-url URL] [--rooms N] [--callers N] [--duration S]',
  environment:
    'HOST, PORT, PUBLIC_URL (where the server is), TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (whom to sign as),\nDATABASE_URL, DATA_DIR (where the development account is)',
  async run(args) {
    const parsed = helpOr(args, this, {
      url: { type: 'string' },
      'public-url': { type: 'string' },
      account: { type: 'string' },
      token: { type: 'string' },
      rooms: { type: 'string' },
      callers: { type: 'string' },
      duration: { type: 'string' },
    });
    if (!parsed) return 0;
    let options: SimulationOptions;
    try {
      options = simulationOptions(parsed.values, await simulationDefaults(parsed.values, process.env));
    } catch (error) {
      // Only what the command line (or the lack of an account) got wrong is a usage error: a bad
      // setting or a database that does not answer is told as every command tells it.
      if (error instanceof OptionError) throw new UsageError(error.message);
      throw error;
    }
    return runSimulation(options);
  },
};
