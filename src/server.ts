// Opens the database, applies migrations, makes sure an account exists, listens, sweeps for lost leaves
// on an interval, vacuums the embedded database and delivers the app's callbacks. On SIGTERM or SIGINT it
// stops accepting, lets requests in flight finish (within a bound), closes the pool and exits 0.

import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { startCallbackDeliverer } from './commands/callbacks/deliverer.js';
import { reap } from './commands/reaper.js';
import type { Config } from './config.js';
import { loggerOptions } from './logging.js';
import { ensureDevelopmentAccount, findAccount, listAccounts, saveAccount } from './store/accounts.js';
import { type Database, openDatabase } from './store/database.js';
import { saveDevelopmentAccountFile } from './store/development-account-file.js';
import { migrate } from './store/migrate.js';
import { UPKEEP_INTERVAL_MS, upkeep } from './store/upkeep.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEVELOPMENT_ACCOUNT_NAME = 'Development account';

/** Where the server was told to listen cannot be had: said as that, not taken for a database outage. */
class ListenError extends Error {
  constructor({ host, port }: Pick<Config, 'host' | 'port'>, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`cannot listen on HOST ${host}, PORT ${port}: ${why}`, { cause });
  }
}

export interface Server {
  app: FastifyInstance;
  database: Database;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  address: string;
  close(): Promise<void>;
}

/** Lines for the operator about the account in use; a configured token is never among them. */
async function prepareAccounts(config: Config, database: Database): Promise<string[]> {
  if (config.account) {
    const existing = await findAccount(database.db, config.account.sid);
    await saveAccount(database.db, {
      ...config.account,
      friendlyName: existing?.friendlyName ?? 'Configured account',
    });
    return [`Account ${config.account.sid} (from TWILIO_ACCOUNT_SID)`];
  }
  const created = await ensureDevelopmentAccount(database.db, DEVELOPMENT_ACCOUNT_NAME);
  const development =
    created ?? (await listAccounts(database.db)).find((a) => a.friendlyName === DEVELOPMENT_ACCOUNT_NAME);
  if (!development) return [];
  // Kept beside the embedded database at every start, so that `conclave simulate` finds the account while
  // the server holds the database open.
  if (config.database.kind === 'pglite' && config.database.dataDir !== null)
    saveDevelopmentAccountFile(config.database.dataDir, development);
  if (created) {
    return [
      'Development account (set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to use your own):',
      `  TWILIO_ACCOUNT_SID=${created.sid}`,
      `  TWILIO_AUTH_TOKEN=${created.authToken}`,
      'The token is printed this once; `conclave accounts list --show-tokens` shows it again.',
    ];
  }
  // Printed at every start, the token would end up in every log collector that keeps the output.
  return [
    `Development account ${development.sid} (its token was printed when it was created; \`conclave accounts list --show-tokens\` shows it)`,
  ];
}

function reapInterval(maxCallDuration: number): number {
  return Math.min(60_000, Math.max(1000, maxCallDuration * 250));
}

/**
 * Runs `task` after `firstDelayMs`, then `intervalMs` after each run ends, one run at a time, until
 * stopped. The task handles its own failures; one it lets through is dropped, so that it cannot end the
 * process as an unhandled rejection.
 */
function repeat(task: () => Promise<void>, intervalMs: number, firstDelayMs = 0): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = task()
      .catch(() => {})
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  let timer = setTimeout(tick, firstDelayMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Sweeps for participants whose leave was lost, at once and then on an interval. A sweep that fails (the
 * database is down) is logged and tried again at the next tick.
 */
function startReaper(database: Database, maxCallDuration: number, log: FastifyBaseLogger, now: () => number) {
  return repeat(
    () =>
      reap(database, { now: now(), maxCallDuration }).then(
        (reaped) => {
          if (reaped && reaped.timedOut > 0)
            log.info({ reaped }, 'timed out participants whose leave was lost');
        },
        (error: unknown) => log.warn({ err: error }, 'the reaper could not sweep; it tries again'),
      ),
    reapInterval(maxCallDuration),
  );
}

/** On PGlite, autovacuum's work, on autovacuum's interval (`store/upkeep.ts`); nothing on PostgreSQL. */
function startUpkeep(database: Database, log: FastifyBaseLogger, intervalMs: number) {
  if (database.kind !== 'pglite') return { stop: async () => {} };
  const run = () =>
    upkeep(database).then(
      (done) => {
        if (done.length > 0) log.debug({ upkeep: done }, 'vacuumed or analysed the embedded database');
      },
      (error: unknown) =>
        log.warn({ err: error }, 'the embedded database could not be vacuumed; it tries again'),
    );
  return repeat(run, intervalMs, intervalMs);
}

export interface ServerOptions {
  print?: (line: string) => void;
  /** The reaper's clock. */
  now?: () => number;
  /** Between runs of the embedded database's upkeep. */
  upkeepIntervalMs?: number;
}

export async function startServer(
  config: Config,
  { print = console.log, now = Date.now, upkeepIntervalMs = UPKEEP_INTERVAL_MS }: ServerOptions = {},
): Promise<Server> {
  const database = await openDatabase(config.database);
  try {
    await migrate(database);
    for (const line of await prepareAccounts(config, database)) print(line);
  } catch (error) {
    await database.close();
    throw error;
  }
  let app: FastifyInstance | undefined;
  let address: string;
  try {
    app = await buildApp({ config, database, logger: loggerOptions(config.logLevel) });
    await app.ready();
    address = await app.listen({ port: config.port, host: config.host }).catch((error: unknown) => {
      throw new ListenError(config, error);
    });
  } catch (error) {
    // A server that cannot listen (the port taken, an address not this host's) must end, not linger on
    // the pool and the embedded database's lock with nothing to serve.
    try {
      await app?.close();
    } finally {
      await database.close();
    }
    throw error;
  }
  const reaper = startReaper(database, config.maxCallDuration, app.log, now);
  const upkeepLoop = startUpkeep(database, app.log, upkeepIntervalMs);
  const deliverer = startCallbackDeliverer(database.db, {
    retryForMs: config.callbackRetryFor * 1000,
    concurrency: config.callbackConcurrency,
    sidWaitMs: config.callbackSidWait * 1000,
    observer: app.metrics.callbacks,
    log: app.log,
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // The listener stops at once, answering 503 to what arrives meanwhile, while the loops stop.
      await Promise.all([app.close(), reaper.stop(), upkeepLoop.stop(), deliverer.stop()]);
      await database.close();
    })();
    return closing;
  };
  return { app, database, address, close };
}

export function announce(server: Server, config: Config): string {
  return `Conclave is listening on ${server.address} (database: ${config.database.kind}); webhooks go to ${config.publicUrl}`;
}

/** Closes the server on the first SIGTERM or SIGINT; exits 0 when it closed in time, 1 otherwise. */
export function closeOnSignals(server: Server): void {
  const stop = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      server.app.log.error('requests still in flight after the shutdown timeout; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
