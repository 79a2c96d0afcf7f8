#!/usr/bin/env node

// The `conclave` command. Each subcommand reads the same environment as the server; failures end with one
// plain line on stderr and a non-zero exit, never a stack trace.

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { KEYS_HELP, type KeyOptions, KeysUsageError, keysRequest, runKeys } from './cli/keys.js';
import { formatCallback } from './commands/callbacks/report.js';
import { reap } from './commands/reaper.js';
import { ConfigError, loadConfig } from './config.js';
import { isCallbackUrl, redactUrl } from './domain/callbacks.js';
import { canonicalSid, isAuthToken, isSid } from './domain/ids.js';
import { keepHeapSmall } from './heap.js';
import { listedName } from './parameters.js';
import { foldProgress, progressDisplay } from './progress.js';
import { rebuild } from './reads/rebuild.js';
import { verify } from './reads/verify.js';
import { verifyDeep } from './reads/verify-deep.js';
import { announce, closeOnSignals, startServer } from './server.js';
import { runSimulation } from './simulate/command.js';
import { OptionError, type SimulationOptions, simulationOptions } from './simulate/options.js';
import { simulationDefaults } from './simulate/target.js';
import { addOrUpdateAccount, listAccounts, newAccount } from './store/accounts.js';
import { listCallbacks, retryFailed, setEventsUrl } from './store/callbacks.js';
import { type Database, openDatabase } from './store/database.js';
import { isDatabaseUnavailable } from './store/errors.js';
import { holdsConclaveTables, migrate } from './store/migrate.js';
import { holdsDatabase } from './store/pglite-template.js';

class UsageError extends Error {}

interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const ENVIRONMENT_HELP = `Environment: PORT, HOST, DATABASE_URL (unset: embedded PGlite in DATA_DIR), DATA_DIR,
TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_URL, LOG_LEVEL, MAX_CALL_DURATION, CALLBACK_RETRY_FOR,
CALLBACK_CONCURRENCY (see the README).`;

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(args: string[], options: ParseArgsConfig['options'] = {}): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Runs `run` on Conclave's database, migrated. Only `migrate` and `accounts add` make a database where
 * there is none: any other command pointed at the wrong directory or database would otherwise fill it with
 * Conclave's tables, and report on them as if they had always been there.
 */
async function withDatabase<T>(
  run: (database: Database, migrations: string[]) => Promise<T>,
  { create = false }: { create?: boolean } = {},
): Promise<T> {
  const target = loadConfig().database;
  if (!create && target.kind === 'pglite' && target.dataDir !== null && !holdsDatabase(target.dataDir))
    throw new Error(`no database in DATA_DIR ${target.dataDir}: start the server there first (npm start)`);
  const database = await openDatabase(target);
  try {
    if (!create && !(await holdsConclaveTables(database)))
      throw new Error(
        `${target.kind === 'postgres' ? 'DATABASE_URL' : 'DATA_DIR'} holds a database without Conclave's tables: run conclave migrate there first`,
      );
    return await run(database, await migrate(database));
  } finally {
    await database.close();
  }
}

/**
 * The arguments, or undefined once help has been shown. `positionals` is how many words the command takes
 * besides its options (an action and what it acts on): one more is a mistake, not something to ignore.
 */
function helpOr(
  args: string[],
  command: Command,
  options?: ParseArgsConfig['options'],
  positionals = 0,
): Parsed | undefined {
  const parsed = parse(args, options);
  if (parsed.values.help) {
    console.log(`${command.usage}\n\n${command.summary}\n\n${ENVIRONMENT_HELP}`);
    return undefined;
  }
  const extra = parsed.positionals[positionals];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'; ${command.usage}`);
  return parsed;
}

/** What each action of a command takes: how many words, its own name included, and which options. */
type Actions<Action extends string> = Record<Action, { words: number; options: string[] }>;

/**
 * The action named by the first word, once the rest of the command line is what it takes: a word or an
 * option it would ignore is a mistake (an operator who typed it meant something by it), not noise.
 */
function actionOf<Action extends string>(parsed: Parsed, actions: Actions<Action>): Action {
  const [word] = parsed.positionals;
  const action = word !== undefined && Object.hasOwn(actions, word) ? (word as Action) : undefined;
  if (action === undefined) {
    const names = Object.keys(actions).map((name) => `'${name}'`);
    throw new UsageError(
      `expected ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got ${word === undefined ? 'nothing' : `'${word}'`}`,
    );
  }
  const takes = actions[action];
  const extra = parsed.positionals[takes.words];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' after ${action}`);
  const stray = Object.keys(parsed.values).find(
    (name) => name !== 'help' && parsed.values[name] !== undefined && !takes.options.includes(name),
  );
  if (stray !== undefined) throw new UsageError(`${action} does not take --${stray}`);
  return action;
}

/** A --limit value: digits only, 1 to 999,999,999. */
function limitOf(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const limit = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (limit < 1) throw new UsageError('--limit takes a whole number from 1 to 999999999');
  return limit;
}

const commands: Record<string, Command> = {
  serve: {
    summary: 'Serve webhooks and the REST API; migrations run first.',
    usage: 'Usage: conclave serve',
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
  },
  migrate: {
    summary: 'Apply the database migrations that are not applied yet.',
    usage: 'Usage: conclave migrate',
    async run(args) {
      if (!helpOr(args, this)) return 0;
      const applied = await withDatabase(async (_, migrations) => migrations, { create: true });
      console.log(
        applied.length === 0 ? 'Migrations: up to date' : `Migrations applied: ${applied.join(', ')}`,
      );
      return 0;
    },
  },
  rebuild: {
    summary: 'Re-derive every read model (rooms, calls, conferences, participants) from the event log.',
    usage: 'Usage: conclave rebuild',
    async run(args) {
      if (!helpOr(args, this)) return 0;
      const display = progressDisplay(process.stderr);
      const summary = await withDatabase((database) =>
        rebuild(database, foldProgress(display, 'rebuild')),
      ).finally(() => display.end());
      console.log(`Rebuilt from ${summary.events} events: ${summary.rooms} rooms, ${summary.calls} calls`);
      return 0;
    },
  },
  verify: {
    summary:
      'Re-derive the read models in scratch tables and compare them with the live ones; --deep also derives\nthem a second way, in plain SQL over the events. Exits 0 when identical, 1 with the differences listed.',
    usage: 'Usage: conclave verify [--limit N] [--deep]',
    async run(args) {
      const parsed = helpOr(args, this, { limit: { type: 'string' }, deep: { type: 'boolean' } });
      if (!parsed) return 0;
      const limit = limitOf(parsed.values.limit, 100);
      const display = progressDisplay(process.stderr);
      const result = await withDatabase(async (database) => {
        const folded = await verify(database, limit, foldProgress(display, 'verify'));
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
  },
  reap: {
    summary: `Time out participants connected for longer than MAX_CALL_DURATION (default 4h): their leave was
lost. Each leaves by an event in the log and its conference completes by the usual rules. The server
does this on its own every minute; several replicas take turns.`,
    usage: 'Usage: conclave reap',
    async run(args) {
      if (!helpOr(args, this)) return 0;
      const config = loadConfig();
      const reaped = await withDatabase((database) =>
        reap(database, { now: Date.now(), maxCallDuration: config.maxCallDuration }),
      );
      if (reaped === null) {
        console.log('Another replica is sweeping now: nothing done');
        return 0;
      }
      console.log(
        `Timed out ${reaped.timedOut} participants connected for ${config.maxCallDuration} s or more (${reaped.found} found)`,
      );
      return 0;
    },
  },
  accounts: {
    summary: `List accounts, or add one (a new SID and token are generated unless given).
  conclave accounts list [--show-tokens]
  conclave accounts add [--name NAME] [--sid AC…] [--token TOKEN]
  conclave accounts set-events-url AC… URL   every conference event of the account goes to URL too
  conclave accounts clear-events-url AC…`,
    usage: 'Usage: conclave accounts list|add|set-events-url|clear-events-url [options]',
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
  },
  callbacks: {
    summary: `List the callbacks sent to apps and account sinks, newest first, or put failed ones back in line.
  conclave callbacks list [--failed] [--account AC…] [--conference CF…] [--limit N]
  conclave callbacks retry [ID] [--account AC…]`,
    usage: 'Usage: conclave callbacks list|retry [options]',
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
        const rows = await withDatabase((database) =>
          listCallbacks(database.db, { accountSid, conferenceSid, status, limit }),
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
  },
  keys: {
    summary: KEYS_HELP,
    usage: 'Usage: conclave keys create|list|revoke [options]',
    async run(args) {
      const parsed = helpOr(args, this, { name: { type: 'string' }, account: { type: 'string' } }, 2);
      if (!parsed) return 0;
      const action = actionOf(parsed, {
        create: { words: 1, options: ['name', 'account'] },
        list: { words: 1, options: ['account'] },
        revoke: { words: 2, options: [] },
      });
      let lines: string[];
      try {
        const defaultAccount = process.env.TWILIO_ACCOUNT_SID || undefined;
        const request = keysRequest(
          action,
          parsed.positionals[1],
          parsed.values as KeyOptions,
          defaultAccount,
        );
        lines = await withDatabase((database) => runKeys(database.db, request));
      } catch (error) {
        throw error instanceof KeysUsageError ? new UsageError(error.message) : error;
      }
      console.log(lines.join('\n'));
      return 0;
    },
  },
  simulate: {
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
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(
    ([name, c]) => `  ${name.padEnd(9)} ${c.summary.split('\n')[0]}`,
  );
  return `Usage: conclave <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'conclave <command> --help' for more.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' && args[0] !== undefined && Object.hasOwn(commands, args[0]))
    return main([args[0], '--help']);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(`conclave: unknown command '${name}'. Run 'conclave --help' for the list.`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    // One line whatever the message: node's own (parseArgs's, say) may run over several.
    const message = ((error as Error).message ?? String(error)).replace(/\s*\n\s*/g, ' ');
    if (error instanceof UsageError) {
      console.error(`conclave ${name}: ${message}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(`conclave: ${message}`);
      return 1;
    }
    if (isDatabaseUnavailable(error)) {
      console.error(`conclave ${name}: the database does not answer (${message})`);
      return 1;
    }
    console.error(`conclave ${name}: ${message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
