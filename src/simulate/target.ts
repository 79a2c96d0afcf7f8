// Where `conclave simulate` sends and whom it signs as when the command line does not say: the server's
// own settings (PORT, HOST, PUBLIC_URL) and account (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN, or else the
// development account the server created), so that it runs with no flags next to a local `npm start`.

import { loadConfig, loadDatabaseTarget } from '../config.js';
import { DEVELOPMENT_ACCOUNT_NAME } from '../server.js';
import { listAccounts } from '../store/accounts.js';
import { openDatabase } from '../store/database.js';
import { readDevelopmentAccountFile } from '../store/development-account-file.js';
import { type Defaults, OptionError } from './options.js';

type Env = Record<string, string | undefined>;

const NO_ACCOUNT =
  'no account to sign with: run `npm start` once (it creates a development account), set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or give --account and --token';

/** A wildcard listen address is reached locally by loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function developmentAccount(env: Env): Promise<{ sid: string; authToken: string } | undefined> {
  const database = loadDatabaseTarget(env);
  // The embedded database is the running server's alone; it leaves the account in a file beside it.
  if (database.kind === 'pglite')
    return database.dataDir ? readDevelopmentAccountFile(database.dataDir) : undefined;
  const opened = await openDatabase(database);
  try {
    const found = (await listAccounts(opened.db)).find((a) => a.friendlyName === DEVELOPMENT_ACCOUNT_NAME);
    return found && { sid: found.sid, authToken: found.authToken };
  } finally {
    await opened.close();
  }
}

export async function simulationDefaults(values: Record<string, unknown>, env: Env): Promise<Defaults> {
  const { port, host, publicUrl } = loadConfig({
    PORT: env.PORT,
    HOST: env.HOST,
    PUBLIC_URL: env.PUBLIC_URL,
  });
  const defaults: Defaults = {
    url: `http://${reachable(host)}:${port}`,
    // What the server checks signatures against: its PUBLIC_URL, or the one it derives from HOST and PORT
    // (http://0.0.0.0:3000 for a wildcard HOST, though requests go to loopback).
    publicUrl,
    accountSid: env.TWILIO_ACCOUNT_SID || undefined,
    authToken: env.TWILIO_AUTH_TOKEN || undefined,
  };
  const needed =
    (values.account === undefined && !defaults.accountSid) ||
    (values.token === undefined && !defaults.authToken);
  if (!needed) return defaults;
  const development = await developmentAccount(env);
  if (!development) throw new OptionError(NO_ACCOUNT);
  return { ...defaults, accountSid: development.sid, authToken: development.authToken };
}
