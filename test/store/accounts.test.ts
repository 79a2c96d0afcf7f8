import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_TTL_MS, findAccountForRequest, newAccount, saveAccount } from '../../src/store/accounts.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';

describe.each(databaseKinds)('accounts looked up for requests on $name', (kind) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await kind.create();
  });
  afterEach(() => database.drop());

  const start = 1_000_000;

  it('reuses an answer for a moment, then sees a changed token', async () => {
    const account = newAccount('Rotating');
    await saveAccount(database.db, account);
    expect(await findAccountForRequest(database.db, account.sid, start)).toEqual(account);
    const rotated = { ...account, authToken: 'b'.repeat(32) };
    await saveAccount(database.db, rotated);
    expect(await findAccountForRequest(database.db, account.sid, start + ACCOUNT_TTL_MS - 1)).toEqual(
      account,
    );
    expect(await findAccountForRequest(database.db, account.sid, start + ACCOUNT_TTL_MS)).toEqual(rotated);
  });

  it('remembers an unknown Sid as unknown, and finds the account once the answer has expired', async () => {
    const account = newAccount('Late');
    expect(await findAccountForRequest(database.db, account.sid, start)).toBeUndefined();
    await saveAccount(database.db, account);
    expect(await findAccountForRequest(database.db, account.sid, start + 1)).toBeUndefined();
    expect(await findAccountForRequest(database.db, account.sid, start + ACCOUNT_TTL_MS)).toEqual(account);
  });
});
