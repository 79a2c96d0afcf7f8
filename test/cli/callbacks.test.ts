// `conclave callbacks` and the account's sink from the command line: the retry schedule of callbacks an app
// refuses is visible in the list, given-up ones are listed apart and put back in line on demand.

import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { startCallbackDeliverer } from '../../src/commands/callbacks/deliverer.js';
import { fillOutbox } from '../../src/commands/callbacks/fill.js';
import { deliver } from '../../src/commands/deliver.js';
import { callbackCounts } from '../../src/store/callbacks.js';
import { openDatabase } from '../../src/store/database.js';
import { eventually, startReceiver } from '../helpers/callback-receiver.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { callSid, commands } from '../helpers/commands.js';

const ACCOUNT = `AC${'c'.repeat(32)}`;
const TOKEN = 'd'.repeat(32);
const PLATFORM_SID = `CF${'e'.repeat(32)}`;

describe('conclave callbacks on the embedded database', { timeout: 120_000 }, () => {
  it('sets the account sink, lists the retry schedule and failures, and retries', async () => {
    const env = { DATA_DIR: join(tempDir(), 'data') };
    const receiver = await startReceiver(() => TOKEN);
    receiver.behave(() => 'error');
    try {
      expect((await runCli(['accounts', 'add', '--sid', ACCOUNT, '--token', TOKEN], env)).code).toBe(0);
      const set = await runCli(['accounts', 'set-events-url', ACCOUNT, `${receiver.url}/events`], env);
      expect(set).toMatchObject({ code: 0, stdout: `Events of ${ACCOUNT} go to ${receiver.url}/events\n` });
      for (const wrong of [
        'not a url',
        'http://[zz/x',
        'http://exa mple.com/x',
        'http://a%ZZ:b@example.com/',
      ]) {
        expect(await runCli(['accounts', 'set-events-url', ACCOUNT, wrong], env), wrong).toMatchObject({
          code: 2,
          stderr: 'conclave accounts: set-events-url needs an absolute http(s) URL after the Sid\n',
        });
      }
      const withPassword = await runCli(
        ['accounts', 'set-events-url', ACCOUNT, 'https://acct:s3cret@example.com/events'],
        env,
      );
      expect(withPassword.stdout).toBe(`Events of ${ACCOUNT} go to https://acct:***@example.com/events\n`);
      expect(
        (await runCli(['accounts', 'set-events-url', ACCOUNT, `${receiver.url}/events`], env)).code,
      ).toBe(0);

      const joins = () =>
        receiver.received.filter((r) => r.params.StatusCallbackEvent === 'participant-join').length;
      const options = { firstRetryMs: 50, maxRetryMs: 200, pollMs: 20 };
      const database = await openDatabase({ kind: 'pglite', dataDir: env.DATA_DIR });
      let mintedSid: string;
      try {
        const c = commands();
        // The platform's conference-end, after the leave, names the conference by the platform's Sid.
        const platformEnd = c.endConference({
          conferenceSid: PLATFORM_SID,
          reason: 'last-participant-left',
          callSidEndingConference: callSid(1),
        });
        for (const [i, command] of [c.join(callSid(1), 'sales'), c.hangUp(callSid(1))].entries()) {
          await deliver(database.db, { accountSid: ACCOUNT, key: `k${i}`, command, room: null });
        }
        await deliver(database.db, { accountSid: ACCOUNT, key: 'k2', command: platformEnd, room: 'sales' });
        mintedSid = (await database.db.selectFrom('conferences').select('sid').executeTakeFirstOrThrow()).sid;
        // The app refuses: the conference's first callback is tried again and again, the others wait.
        const deliverer = startCallbackDeliverer(database.db, { retryForMs: 60_000, ...options });
        await eventually(async () => joins() >= 2, 'a retry').finally(() => deliverer.stop());
      } finally {
        await database.close();
      }
      const pending = await runCli(['callbacks', 'list'], env);
      expect(pending.stdout).toMatch(
        new RegExp(
          `seq 1  participant-join  account sink  POST ${receiver.url}/events  pending, next try \\S+Z  \\d+ attempts  last try \\S+Z  last error: HTTP 500\n$`,
        ),
      );
      // The rest of the conference's stream waits behind the first, and says so.
      const first = /^#(\d+) .* seq 1 {2}participant-join/m.exec(pending.stdout)?.[1];
      expect(pending.stdout).toMatch(
        new RegExp(`seq 3 {2}conference-end .* pending, after #${first} {2}0 attempts\n`),
      );
      // Listed under the Sid the app is sent, found by either.
      const pendingLines = pending.stdout.trim().split('\n');
      expect(pendingLines).toHaveLength(3);
      expect(pendingLines.every((line) => line.includes(`  ${PLATFORM_SID}  `))).toBe(true);
      for (const sid of [PLATFORM_SID, mintedSid, PLATFORM_SID.toUpperCase()])
        expect((await runCli(['callbacks', 'list', '--conference', sid], env)).stdout, sid).toBe(
          pending.stdout,
        );
      expect((await runCli(['callbacks', 'list', '--conference', `CF${'0'.repeat(32)}`], env)).stdout).toBe(
        'No callbacks\n',
      );
      expect(await runCli(['callbacks', 'list', '--conference', 'CA1'], env)).toMatchObject({
        code: 2,
        stderr: 'conclave callbacks: --conference must be CF followed by 32 hexadecimal digits\n',
      });

      // One a deliverer holds (its lease running) is shown as being sent, not as due at a time gone by.
      const lease = async (held: boolean) => {
        const database = await openDatabase({ kind: 'pglite', dataDir: env.DATA_DIR });
        try {
          await database.db
            .updateTable('callbacks')
            .set({ lease_until: held ? sql<Date>`now() + interval '1 minute'` : null })
            .where('sequence_number', '=', 1)
            .execute();
        } finally {
          await database.close();
        }
      };
      await lease(true);
      expect((await runCli(['callbacks', 'list'], env)).stdout).toMatch(
        /seq 1 {2}participant-join .* pending, being sent {2}\d+ attempts/,
      );
      await lease(false);

      // With a retry window already over, each callback is given up after its next try.
      const again = await openDatabase({ kind: 'pglite', dataDir: env.DATA_DIR });
      try {
        const deliverer = startCallbackDeliverer(again.db, { retryForMs: 1, ...options });
        await eventually(async () => (await callbackCounts(again.db)).failed === 3, 'three failures').finally(
          () => deliverer.stop(),
        );
      } finally {
        await again.close();
      }
      const failed = await runCli(['callbacks', 'list', '--failed'], env);
      expect(failed.code).toBe(0);
      const lines = failed.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatch(
        new RegExp(
          `^#\\d+  ${PLATFORM_SID}  seq 1  participant-join  account sink  POST ${receiver.url}/events  failed  \\d+ attempts  last try \\S+Z  last error: HTTP 500$`,
        ),
      );

      expect(await runCli(['callbacks', 'retry'], env)).toMatchObject({
        code: 0,
        stdout: '3 failed callbacks put back in line\n',
      });
      expect((await runCli(['callbacks', 'list', '--failed'], env)).stdout).toBe('No failed callbacks\n');
      const listed = await runCli(['callbacks', 'list'], env);
      expect(listed.stdout).toMatch(
        /seq 3 {2}conference-end .* pending, after #\d+ {2}\d+ attempts? {2}last try /,
      );
      expect(await runCli(['callbacks', 'retry', 'x1'], env)).toMatchObject({
        code: 2,
        stderr: "conclave callbacks: 'x1' is not a callback id\n",
      });
      expect((await runCli(['accounts', 'clear-events-url', ACCOUNT], env)).stdout).toBe(
        `Events URL of ${ACCOUNT} cleared\n`,
      );
    } finally {
      await receiver.close();
    }
  });

  it("tells a callback held for the platform's Sid under CALLBACK_SID_WAIT, until the platform names it", async () => {
    const env = { DATA_DIR: join(tempDir(), 'data') };
    expect((await runCli(['accounts', 'add', '--sid', ACCOUNT, '--token', TOKEN], env)).code).toBe(0);
    expect(
      (await runCli(['accounts', 'set-events-url', ACCOUNT, 'http://127.0.0.1:9/events'], env)).code,
    ).toBe(0);
    const c = commands();
    const record = async (
      command: Parameters<typeof deliver>[1]['command'],
      key: string,
      room: string | null,
    ) => {
      const database = await openDatabase({ kind: 'pglite', dataDir: env.DATA_DIR });
      try {
        await deliver(database.db, { accountSid: ACCOUNT, key, command, room });
        await fillOutbox(database.db);
      } finally {
        await database.close();
      }
    };
    await record(c.join(callSid(1), 'sales'), 'k1', null);
    const held = await runCli(['callbacks', 'list'], { ...env, CALLBACK_SID_WAIT: '60' });
    expect(held.stdout).toMatch(
      /^#\d+ {2}CF[0-9a-f]{32} {2}seq 1 {2}participant-join .* pending, waiting for the platform's Sid until \S+Z {2}0 attempts\n$/,
    );
    // Without the wait, or once the platform has named the conference, it is simply due.
    expect((await runCli(['callbacks', 'list'], env)).stdout).toMatch(
      /pending, next try \S+Z {2}0 attempts\n$/,
    );
    const muted = c.update(callSid(1), { muted: true }, 2);
    const reported = { conferenceSid: PLATFORM_SID, at: null };
    await record({ ...muted, data: { ...muted.data, reported } }, 'k2', 'sales');
    const named = await runCli(['callbacks', 'list'], { ...env, CALLBACK_SID_WAIT: '60' });
    expect(named.stdout).not.toMatch(/waiting for the platform/);
  });
});
