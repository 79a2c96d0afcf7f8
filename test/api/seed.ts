// Puts commands through the store exactly as the webhooks will, one transaction each, and gives each suite
// its own accounts.

import { beforeAll } from 'vitest';
import { deliver } from '../../src/commands/deliver.js';
import type { RoomCommand } from '../../src/domain/commands.js';
import { newAccount, saveAccount } from '../../src/store/accounts.js';
import type { Database } from '../../src/store/database.js';
import type { TestApp } from '../helpers/app.js';

export async function apply(
  database: Database,
  accountSid: string,
  commands: RoomCommand[],
  room: string | null = null,
): Promise<void> {
  for (const command of commands) {
    await deliver(database.db, { accountSid, key: command.id, command, room });
  }
}

/** The conference a room's latest instance has, as the read model holds it. */
export async function conferenceSidOf(database: Database, accountSid: string, room: string): Promise<string> {
  const row = await database.db
    .selectFrom('conferences')
    .select('sid')
    .where('account_sid', '=', accountSid)
    .where('friendly_name', '=', room)
    .orderBy('sid', 'desc')
    .executeTakeFirstOrThrow();
  return row.sid;
}

/**
 * Two fresh accounts on an app that several suites share, so that no suite sees another's conferences
 * and the database boots once.
 */
export function useTenants(shared: TestApp): TestApp {
  const context = {} as TestApp;
  beforeAll(async () => {
    const account = newAccount('Suite account');
    const otherAccount = newAccount('Other suite account');
    await saveAccount(shared.database.db, account);
    await saveAccount(shared.database.db, otherAccount);
    Object.assign(context, shared, { account, otherAccount });
  });
  return context;
}
