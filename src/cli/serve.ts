// `conclave serve`: the server, in the foreground until a signal stops it.

import { loadConfig } from '../config.js';
import { keepHeapSmall } from '../heap.js';
import { announce, closeOnSignals, startServer } from '../server.js';
import { type Command, helpOr } from './arguments.js';

export const serve: Command = {
  summary: 'Serve webhooks and the REST API; migrations run first.',
  usage: 'Usage: conclave serve',
  environment:
    "every setting of the README's Configuration table (PORT, HOST, DATABASE_URL, DATA_DIR, PUBLIC_URL,\nTWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, LOG_LEVEL, MAX_CALL_DURATION, CALLBACK_*, the limits, …)",
  async run(args) {
    if (!helpOr(args, this)) return 0;
    const config = loadConfig();
    keepHeapSmall();
    const server = await startServer(config);
    // Only once the signal handlers are in place may a supervisor learn that it can stop us.
    closeOnSignals(server);
    console.log(announce(server, config));
    return new Promise<number>(() => {});
  },
};
