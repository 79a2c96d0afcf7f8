// `conclave reap`: participants whose leave was lost, timed out by hand (the server does it every minute).

import { reap as reapLostLeaves } from '../commands/reaper.js';
import { loadMaxCallDuration } from '../config.js';
import { type Command, DATABASE_ENVIRONMENT, helpOr } from './arguments.js';
import { withDatabase } from './database.js';

export const reap: Command = {
  summary: `Time out participants connected for longer than MAX_CALL_DURATION (default 4h): their leave was
lost. Each leaves by an event in the log and its conference completes by the usual rules. The server
does this on its own every minute; several replicas take turns.`,
  usage: 'Usage: conclave reap',
  environment: `${DATABASE_ENVIRONMENT}, MAX_CALL_DURATION`,
  async run(args) {
    if (!helpOr(args, this)) return 0;
    const maxCallDuration = loadMaxCallDuration();
    const reaped = await withDatabase((database) =>
      reapLostLeaves(database, { now: Date.now(), maxCallDuration }),
    );
    if (reaped === null) {
      console.log('Another replica is sweeping now: nothing done');
      return 0;
    }
    console.log(
      `Timed out ${reaped.timedOut} participants connected for ${maxCallDuration} s or more (${reaped.found} found)`,
    );
    return 0;
  },
};
