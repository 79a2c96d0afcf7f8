import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { runCli, tempDir } from '../helpers/cli.js';

describe('conclave keys on the embedded database', { timeout: 120_000 }, () => {
  it('creates a key with its secret shown once, lists it without the secret, and revokes it', async () => {
    const dataDir = join(tempDir(), 'data');
    const env = { DATA_DIR: dataDir };
    // Pointed at a directory with no database, it makes none.
    const nowhere = await runCli(['keys', 'create'], env);
    expect(nowhere).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `conclave keys: no database in DATA_DIR ${dataDir}: start the server there first (npm start)\n`,
    });
    expect(existsSync(dataDir)).toBe(false);

    expect((await runCli(['migrate'], env)).code).toBe(0);
    const none = await runCli(['keys', 'create'], env);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr.trim()).toBe(
      'conclave keys: there is no account yet: start the server once or add one',
    );

    const account = /AC[0-9a-f]{32}/.exec((await runCli(['accounts', 'add'], env)).stdout)?.[0] ?? '';
    const created = await runCli(['keys', 'create', '--name', 'Billing app'], env);
    expect(created.code).toBe(0);
    const sid = new RegExp(`API key (SK[0-9a-f]{32}) created for ${account}`).exec(created.stdout)?.[1];
    const secret = /Secret \(shown this once, keep it now\): ([A-Za-z0-9_-]{32})$/m.exec(created.stdout)?.[1];
    expect(sid).toBeDefined();
    expect(secret).toBeDefined();

    const listed = await runCli(['keys', 'list'], env);
    expect(listed.stdout).toMatch(new RegExp(`^${sid}  ${account}  created \\S+  active  Billing app$`, 'm'));
    expect(listed.stdout).not.toContain(secret);
    expect((await runCli(['keys', 'list', '--account', account.toUpperCase()], env)).stdout).toBe(
      listed.stdout,
    );

    // TWILIO_ACCOUNT_SID names the account a key is created for, and nothing else: not whose keys are
    // listed, nor whether a key may be revoked (a deployment's environment always holds it).
    const other = `AC${'f'.repeat(32)}`;
    expect((await runCli(['keys', 'list'], { ...env, TWILIO_ACCOUNT_SID: other })).stdout).toBe(
      listed.stdout,
    );
    expect((await runCli(['keys', 'list'], { ...env, TWILIO_ACCOUNT_SID: 'bad' })).stdout).toBe(
      listed.stdout,
    );
    expect((await runCli(['keys', 'revoke', sid ?? ''], { ...env, TWILIO_ACCOUNT_SID: 'bad' })).code).toBe(0);
    expect((await runCli(['keys', 'list'], env)).stdout).toMatch(
      new RegExp(`^${sid}  .*  revoked \\S+  Billing app$`, 'm'),
    );
    const unknown = await runCli(['keys', 'revoke', `SK${'0'.repeat(32)}`], env);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr.trim()).toBe(`conclave keys: no API key SK${'0'.repeat(32)}`);

    // Only a keyed hash is kept: neither the secret nor its bytes are in the row.
    const database = await openDatabase({ kind: 'pglite', dataDir });
    try {
      const row = await database.db.selectFrom('api_keys').selectAll().executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(secret);
      expect(Buffer.from(row.secret_hash).toString('utf8')).not.toContain(secret);
      expect(row.secret_hash).toHaveLength(32);
    } finally {
      await database.close();
    }
  });
});
