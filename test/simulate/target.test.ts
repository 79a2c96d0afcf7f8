// `conclave simulate` with no flags finds the server and the account by itself, next to a local
// `npm start`; with nothing to find it says so in one line.

import { statSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestsPerRoute } from '../../src/simulate/report.js';
import { simulationDefaults } from '../../src/simulate/target.js';
import {
  developmentAccountPath,
  saveDevelopmentAccountFile,
} from '../../src/store/development-account-file.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const ACCOUNT = {
  sid: `AC${'a'.repeat(32)}`,
  authToken: 'b'.repeat(32),
  friendlyName: 'Development account',
};

describe('the target of conclave simulate', () => {
  it('takes the address from PORT, HOST and PUBLIC_URL and the account from the file in DATA_DIR', async () => {
    const dataDir = tempDir();
    saveDevelopmentAccountFile(dataDir, ACCOUNT);
    expect(statSync(developmentAccountPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(await simulationDefaults({}, { PORT: '4100', HOST: '0.0.0.0', DATA_DIR: dataDir })).toEqual({
      url: 'http://127.0.0.1:4100',
      publicUrl: 'http://0.0.0.0:4100',
      accountSid: ACCOUNT.sid,
      authToken: ACCOUNT.authToken,
    });
    expect(
      await simulationDefaults({}, { PUBLIC_URL: 'https://calls.example.com/', DATA_DIR: dataDir }),
    ).toMatchObject({ url: 'http://127.0.0.1:3000', publicUrl: 'https://calls.example.com' });
  });

  it('prefers TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, without looking for a development account', async () => {
    const env = {
      TWILIO_ACCOUNT_SID: `AC${'c'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'd'.repeat(32),
      DATA_DIR: tempDir(),
    };
    expect(await simulationDefaults({}, env)).toMatchObject({
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
    });
  });

  it('counts requests per route, whatever room a callback URL names', () => {
    const requests = new Map([
      ['/webhooks/voice', 4],
      ['/webhooks/dial-action?FriendlyName=Sales', 2],
      ['/webhooks/dial-action?FriendlyName=R%26D', 3],
    ]);
    expect([...requestsPerRoute(requests)]).toEqual([
      ['voice', 4],
      ['dial-action', 5],
    ]);
  });

  it('runs with no flags against `conclave serve` on the embedded database', {
    timeout: 120_000,
  }, async () => {
    const dataDir = join(tempDir(), 'data');
    // A fixed port, as `npm start` has: the server's PUBLIC_URL, which signatures are checked against,
    // is built from it.
    const port = String(await freePort());
    // On every address, as in a container: the server's PUBLIC_URL is then http://0.0.0.0:PORT.
    const server = await startCli({ DATA_DIR: dataDir, PORT: port, HOST: '0.0.0.0' });
    try {
      const result = await runCli(['simulate', '--rooms', '1', '--callers', '2', '--duration', '0'], {
        DATA_DIR: dataDir,
        PORT: port,
        HOST: '0.0.0.0',
      });
      expect(result.stdout).toMatch(
        new RegExp(
          `^Simulated 1 rooms against http://127\\.0\\.0\\.1:${port} as http://0\\.0\\.0\\.0:${port} in`,
        ),
      );
      expect(result.stdout).toContain('failures:    none');
      expect(result.stdout).toMatch(/requests: +\d+ \(voice \d+, /);
      expect(result.stdout).not.toContain('FriendlyName=');
      expect(result.code).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('says a bad setting or a database that does not answer as every command does: one line, exit 1', {
    timeout: 60_000,
  }, async () => {
    const unreachable = await runCli(['simulate'], {
      PORT: '4100',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nothing`,
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^conclave simulate: the database does not answer \(.*ECONNREFUSED.*\)\n$/,
    );
    const badPort = await runCli(['simulate'], { PORT: 'eighty' });
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toBe("conclave: PORT is 'eighty': expected a whole number from 0 to 65535\n");
  });

  it('says in one line what is missing when there is no account to sign with', {
    timeout: 60_000,
  }, async () => {
    const result = await runCli(['simulate'], { DATA_DIR: join(tempDir(), 'nothing-here') });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'conclave simulate: no account to sign with: run `npm start` once (it creates a development account), set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or give --account and --token\n',
    );
  });

  it('refuses in one line, and without echoing it, what the command line or the environment got wrong', {
    timeout: 60_000,
  }, async () => {
    const signer = { TWILIO_ACCOUNT_SID: ACCOUNT.sid, TWILIO_AUTH_TOKEN: ACCOUNT.authToken };
    const refusals: [string[], Record<string, string>, string][] = [
      [
        ['--url', 'http://user:S3cret@127.0.0.1:4100'],
        signer,
        '--url must not carry a user name or password: requests are signed instead',
      ],
      [['--token', 'bad'], signer, '--token must be 32 hexadecimal digits'],
      [[], { ...signer, TWILIO_AUTH_TOKEN: 'short' }, 'TWILIO_AUTH_TOKEN must be 32 hexadecimal digits'],
      [
        [],
        { ...signer, TWILIO_ACCOUNT_SID: 'AC1' },
        'TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits',
      ],
      [['--rooms', '1e3'], signer, '--rooms takes a whole number from 1 to 10000'],
      [['--duration', '0x10'], signer, '--duration takes a number from 0 to 3600'],
    ];
    for (const [args, env, line] of refusals) {
      const result = await runCli(['simulate', ...args], env);
      expect(result, args.join(' ')).toMatchObject({
        code: 2,
        stdout: '',
        stderr: `conclave simulate: ${line}\n`,
      });
    }
  });
});
