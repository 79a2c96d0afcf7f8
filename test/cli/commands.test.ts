import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliver } from '../../src/commands/deliver.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { callSid, commands } from '../helpers/commands.js';

const ACCOUNT = `AC${'e'.repeat(32)}`;

/** Opens the embedded database in `dataDir` for the test's own writes; the CLI must not run meanwhile. */
async function withEmbedded<T>(dataDir: string, run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ kind: 'pglite', dataDir });
  try {
    await migrate(database);
    return await run(database);
  } finally {
    await database.close();
  }
}

// Each case starts the command several times, each start booting PGlite: generous bounds against hangs.
describe('conclave commands on the embedded database', { timeout: 120_000 }, () => {
  it('verify passes on a consistent log, names a tampered row, and rebuild repairs it', async () => {
    const dataDir = join(tempDir(), 'data');
    const env = { DATA_DIR: dataDir };
    await withEmbedded(dataDir, async (database) => {
      const c = commands();
      for (const [i, command] of [
        c.join(callSid(1), 'ops'),
        c.join(callSid(2), 'ops'),
        c.hangUp(callSid(1)),
      ].entries()) {
        await deliver(database.db, { accountSid: ACCOUNT, key: `k${i}`, command, room: null });
      }
    });
    const clean = await runCli(['verify'], env);
    expect(clean.code).toBe(0);
    // Nothing on stderr but progress, which a slow machine may show (a plain line every 5 s off a terminal).
    expect(clean.stderr).toMatch(/^(verify: \d+ of \d+ events .*\n)*$/);
    expect(clean.stdout).toMatch(/^Verified: the read models match the \d+ events of the log$/m);

    await withEmbedded(dataDir, (database) =>
      database.db.updateTable('conferences').set({ status: 'completed' }).execute(),
    );
    const tampered = await runCli(['verify'], env);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/conferences: only in the live table: .*"status":"completed"/);
    expect(tampered.stdout).toMatch(/conferences: only in the rebuild: .*"status":"in-progress"/);

    const rebuilt = await runCli(['rebuild'], env);
    expect(rebuilt).toMatchObject({ code: 0 });
    expect(rebuilt.stdout).toMatch(/^Rebuilt from \d+ events: 1 rooms, 2 calls$/m);
    expect((await runCli(['verify'], env)).code).toBe(0);
  });

  it('adds and lists accounts, showing tokens only when asked', async () => {
    const env = { DATA_DIR: join(tempDir(), 'data') };
    const added = await runCli(['accounts', 'add', '--name', 'Support line'], env);
    expect(added.code).toBe(0);
    const sid = /Account saved: (AC[0-9a-f]{32})/.exec(added.stdout)?.[1];
    const token = /Auth token: ([0-9a-f]{32})/.exec(added.stdout)?.[1];
    expect(sid).toBeDefined();
    const listed = await runCli(['accounts', 'list'], env);
    expect(listed.stdout.trim()).toBe(`${sid}  Support line`);
    const withTokens = await runCli(['accounts', 'list', '--show-tokens'], env);
    expect(withTokens.stdout.trim()).toBe(`${sid}  ${token}  Support line`);

    // Renaming keeps the token every sender signs with; only --token changes it, and keeps the name.
    expect(await runCli(['accounts', 'add', '--sid', sid ?? '', '--name', 'Renamed'], env)).toMatchObject({
      code: 0,
      stdout: `Account updated: ${sid} (its auth token unchanged)\n`,
    });
    const other = 'f'.repeat(32);
    expect((await runCli(['accounts', 'add', '--sid', sid ?? '', '--token', other], env)).stdout).toBe(
      `Account updated: ${sid} (the auth token given)\n`,
    );
    expect((await runCli(['accounts', 'list', '--show-tokens'], env)).stdout.trim()).toBe(
      `${sid}  ${other}  Renamed`,
    );
  });

  it('lets a setting only the server reads stop the server, not a command on the database', async () => {
    const dataDir = join(tempDir(), 'data');
    expect((await runCli(['accounts', 'add', '--name', 'Ops'], { DATA_DIR: dataDir })).code).toBe(0);
    const serverOnly = { PORT: 'eighty', PUBLIC_URL: 'nope', LOG_LEVEL: 'loud', CALLBACK_RETRY_FOR: 'ever' };
    const env = { DATA_DIR: dataDir, ...serverOnly };
    for (const args of [['accounts', 'list'], ['keys', 'list'], ['reap']])
      expect(await runCli(args, env), args.join(' ')).toMatchObject({ code: 0, stderr: '' });
    // verify may print progress on stderr on a slow machine; it must still run and pass.
    expect((await runCli(['verify'], env)).code).toBe(0);
    expect(await runCli(['reap'], { ...env, MAX_CALL_DURATION: 'long' })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^conclave: MAX_CALL_DURATION is 'long': expected a duration [^\n]*\n$/),
    });
    expect(await runCli(['serve'], env)).toMatchObject({
      code: 1,
      stderr: "conclave: PORT is 'eighty': expected a whole number from 0 to 65535\n",
    });
  });

  it('makes no database where a command that reads or changes one is pointed at none', async () => {
    const missing = join(tempDir(), 'data');
    for (const args of [['accounts', 'list'], ['callbacks', 'list'], ['keys', 'list'], ['verify']]) {
      expect(await runCli(args, { DATA_DIR: missing }), args.join(' ')).toMatchObject({
        code: 1,
        stderr: `conclave ${args[0]}: no database in DATA_DIR ${missing}: start the server there first (npm start)\n`,
      });
    }
    expect(existsSync(missing)).toBe(false);

    // A directory of someone else's files is not one to make a database in, whatever the command.
    const foreign = tempDir();
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(await runCli(['accounts', 'add'], { DATA_DIR: foreign })).toMatchObject({
      code: 1,
      stderr: `conclave accounts: DATA_DIR ${foreign} holds other files (notes.txt) and no database: point DATA_DIR at a new or empty directory\n`,
    });
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    const file = join(foreign, 'notes.txt');
    expect(await runCli(['migrate'], { DATA_DIR: file })).toMatchObject({
      code: 1,
      stderr: `conclave migrate: DATA_DIR ${file} is a file, not a directory\n`,
    });
  });

  it('takes for each action only the words and options it uses', async () => {
    const env = { DATA_DIR: join(tempDir(), 'data') };
    const sid = /AC[0-9a-f]{32}/.exec((await runCli(['accounts', 'add'], env)).stdout)?.[0] ?? '';
    const refusals: [string[], string][] = [
      [['accounts', 'list', 'a'], "conclave accounts: unexpected argument 'a' after list"],
      [
        ['accounts', 'clear-events-url', sid, 'https://example.com/events'],
        "conclave accounts: unexpected argument 'https://example.com/events' after clear-events-url",
      ],
      [['accounts', 'list', '--name', 'x'], 'conclave accounts: list does not take --name'],
      [['keys', 'create', 'extra'], "conclave keys: unexpected argument 'extra' after create"],
      [['keys', 'list', '--name', 'x'], 'conclave keys: list does not take --name'],
      [
        ['keys', 'revoke', `SK${'0'.repeat(32)}`, '--account', sid],
        'conclave keys: revoke does not take --account',
      ],
      [['keys', 'rotate'], "conclave keys: expected 'create', 'list' or 'revoke', got 'rotate'"],
      [['callbacks', 'list', '5'], "conclave callbacks: unexpected argument '5' after list"],
      [
        ['callbacks', 'retry', '--conference', `CF${'0'.repeat(32)}`],
        'conclave callbacks: retry does not take --conference',
      ],
      [
        ['callbacks', 'retry', '12'],
        'conclave callbacks: no failed callback #12: see conclave callbacks list --failed',
      ],
    ];
    for (const [args, line] of refusals) {
      expect(await runCli(args, env), args.join(' ')).toMatchObject({ code: 2, stderr: `${line}\n` });
    }
  });

  it('answers mistakes with one plain line', async () => {
    expect(await runCli(['frobnicate'])).toMatchObject({
      code: 2,
      stderr: "conclave: unknown command 'frobnicate'. Run 'conclave --help' for the list.\n",
    });
    expect(await runCli(['accounts', 'add', '--sid', 'AC12'], { DATA_DIR: tempDir() })).toMatchObject({
      code: 2,
      stderr: 'conclave accounts: --sid must be AC followed by 32 hexadecimal digits\n',
    });
    expect(await runCli(['verify', '--limit', 'lots'])).toMatchObject({
      code: 2,
      stderr: 'conclave verify: --limit takes a whole number from 1 to 999999999\n',
    });
    const dataDir = tempDir();
    const refusals: [string[], string][] = [
      [['verify', '--limit', '1e3'], 'conclave verify: --limit takes a whole number from 1 to 999999999'],
      [
        ['verify', '--limit', '99999999999'],
        'conclave verify: --limit takes a whole number from 1 to 999999999',
      ],
      // node's own message runs over three lines: it is told on one.
      [
        ['verify', '--limit', '-1'],
        "conclave verify: Option '--limit' argument is ambiguous. Did you forget to specify the option argument for '--limit'? To specify an option argument starting with a dash use '--limit=-XYZ'.",
      ],
      [['reap', 'now'], "conclave reap: unexpected argument 'now'; Usage: conclave reap"],
      [
        ['keys', 'revoke', `SK${'0'.repeat(32)}`, 'too'],
        "conclave keys: unexpected argument 'too'; Usage: conclave keys create|list|revoke [options]",
      ],
      [
        ['callbacks', 'list', '--account', 'x'],
        'conclave callbacks: --account must be AC followed by 32 hexadecimal digits',
      ],
      [
        ['keys', 'create', '--name', 'two\nlines'],
        'conclave keys: --name takes 1 to 128 characters, without a control character',
      ],
      [
        ['accounts', 'add', '--name', 'n'.repeat(129)],
        'conclave accounts: --name takes 1 to 128 characters, without a control character',
      ],
    ];
    for (const [args, line] of refusals) {
      expect(await runCli(args, { DATA_DIR: dataDir }), args.join(' ')).toMatchObject({
        code: 2,
        stderr: `${line}\n`,
      });
    }
    const unreachable = await runCli(['migrate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^conclave migrate: the database does not answer \(.*\)\n$/);
    expect(unreachable.stderr.split('\n')).toHaveLength(2);
    // node-postgres warns over several lines about sslmode=require, unless the URL says what it means.
    for (const mode of ['require', 'prefer', 'verify-ca']) {
      const url = `postgres://nobody@127.0.0.1:1/none?sslmode=${mode}`;
      const secure = await runCli(['accounts', 'list'], { DATABASE_URL: url });
      expect(secure.stderr, mode).toMatch(/^conclave accounts: the database does not answer \(.*\)\n$/);
    }
  });

  it('explains every command with --help, or with help and its name', async () => {
    for (const command of ['serve', 'migrate', 'rebuild', 'verify', 'accounts', 'keys']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: conclave ${command}`));
      expect(await runCli(['help', command])).toEqual(help);
    }
    expect((await runCli(['toString'])).stderr).toBe(
      "conclave: unknown command 'toString'. Run 'conclave --help' for the list.\n",
    );
  });
});
