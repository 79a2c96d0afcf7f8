// The development account, also kept in a file beside the embedded database: PGlite lets one process at a
// time open a data directory, so while the server runs, `conclave simulate` learns the account from here.
// The file holds the auth token, so only its owner may read it (0600), as the data directory itself.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Account } from '../domain/account.js';

export const DEVELOPMENT_ACCOUNT_FILE = 'development-account.env';

export function developmentAccountPath(dataDir: string): string {
  return join(dataDir, DEVELOPMENT_ACCOUNT_FILE);
}

/** Writes TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN lines, which a shell can also `source`. */
export function saveDevelopmentAccountFile(dataDir: string, account: Account): void {
  const path = developmentAccountPath(dataDir);
  writeFileSync(path, `TWILIO_ACCOUNT_SID=${account.sid}\nTWILIO_AUTH_TOKEN=${account.authToken}\n`, {
    mode: 0o600,
  });
  // The mode given above applies only to a new file; an older one may have been made more readable.
  chmodSync(path, 0o600);
}

/** The Sid and token from the file, or undefined when there is none (or it says nothing usable). */
export function readDevelopmentAccountFile(dataDir: string): { sid: string; authToken: string } | undefined {
  let text: string;
  try {
    text = readFileSync(developmentAccountPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const sid = /^TWILIO_ACCOUNT_SID=(AC[0-9a-fA-F]{32})$/m.exec(text)?.[1];
  const authToken = /^TWILIO_AUTH_TOKEN=([0-9a-fA-F]{32})$/m.exec(text)?.[1];
  return sid && authToken ? { sid, authToken } : undefined;
}
