// No Docker engine runs here, so the compose start-up sequence is replayed as plain processes on a new
// database of the local PostgreSQL, with the commands and environment read from docker-compose.yml,
// .env.example and the Dockerfile: migrate, serve, ready, HEALTHCHECK, a signed webhook, a REST read.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/store/migrate.js';
import { basic } from '../api/client.js';
import { CLI, type RunningServer, startCli } from '../helpers/cli.js';
import { createEmptyPostgres, type EmptyDatabase } from '../helpers/databases.js';
import {
  type ComposeService,
  dockerfileCommand,
  dockerfileCopySources,
  inBuildContext,
  ROOT,
  readComposeServices,
  readEnvFile,
} from './compose.js';

const run = promisify(execFile);
const adminUrl = process.env.TEST_DATABASE_URL;

/** Runs an exec-form command from the deployment files in the repository, as the image's WORKDIR. */
function runCommand([file, ...args]: string[], env: Record<string, string>) {
  if (file === undefined) throw new Error('empty command');
  return run(file, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
}

async function untilReady(address: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await fetch(`${address}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`/readyz not 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the image's build context", () => {
  it('holds every file the Dockerfile copies, and the build copies everything the compiler is told to build', () => {
    const copied = dockerfileCopySources();
    expect(copied.filter((path) => !inBuildContext(path))).toEqual([]);
    const { include } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    expect(include.filter((path) => !copied.includes(path))).toEqual([]);
    // The allow-list keeps out what must never reach a builder.
    expect(['.env', 'data', 'node_modules', 'test'].filter(inBuildContext)).toEqual([]);
  });
});

describe.skipIf(!adminUrl)('the docker-compose start-up sequence, as plain processes on PostgreSQL', () => {
  const account = { sid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
  const variables = {
    ...readEnvFile('.env.example'),
    TWILIO_ACCOUNT_SID: account.sid,
    TWILIO_AUTH_TOKEN: account.authToken,
  };
  const services = readComposeServices(variables);
  const service = (name: string): ComposeService => {
    const found = services[name];
    if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
    return found;
  };
  const migrate = service('migrate');
  const conclave = service('conclave');
  const room = `compose-${randomBytes(4).toString('hex')}`;
  let database: EmptyDatabase;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    database = await createEmptyPostgres(adminUrl as string);
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('migrate: the one-shot service applies every migration to the new database and exits 0', async () => {
    expect(migrate.command).toBeInstanceOf(Array);
    const { stdout } = await runCommand(migrate.command ?? [], {
      ...migrate.environment,
      DATABASE_URL: database.url,
    });
    expect(stdout.trim()).toBe(
      `Migrations applied: ${loadMigrations()
        .map((m) => m.name)
        .join(', ')}`,
    );
  });

  it('conclave: the image command serves with the compose environment and becomes ready', async () => {
    // startCli runs the image's command: the same script, `serve`.
    expect(dockerfileCommand('CMD')).toEqual(['node', relative(ROOT, CLI), 'serve']);
    expect(conclave.environment?.HOST).toBe('0.0.0.0');
    // Only where it listens and which database it uses differ from the container.
    server = await startCli({
      ...conclave.environment,
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      PORT: '0',
    });
    await untilReady(server.address);
  });

  it("the Dockerfile's HEALTHCHECK command passes against the ready server", async () => {
    const port = new URL(server?.address ?? '').port;
    await expect(runCommand(dockerfileCommand('HEALTHCHECK'), { PORT: port })).resolves.toBeDefined();
  });

  it('a signed voice webhook for the configured account is answered with TwiML', async () => {
    const path = `/webhooks/voice?FriendlyName=${encodeURIComponent(room)}`;
    const params = {
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      AccountSid: account.sid,
      From: '+15005550006',
      To: '+15005550001',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    };
    const publicUrl = conclave.environment?.PUBLIC_URL ?? '';
    const response = await fetch(`${server?.address}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(account.authToken, publicUrl + path, params),
      },
      body: new URLSearchParams(params),
    });
    const body = await response.text();
    expect(response.status, body).toBe(200);
    expect(body).toMatch(new RegExp(`<Conference[^>]*>${room}</Conference>`));
  });

  it('the REST API shows the conference to the account', async () => {
    const response = await fetch(`${server?.address}/2010-04-01/Accounts/${account.sid}/Conferences.json`, {
      headers: { authorization: basic(account) },
    });
    expect(response.status).toBe(200);
    const { conferences } = (await response.json()) as {
      conferences: { friendly_name: string; status: string }[];
    };
    expect(conferences).toEqual([
      expect.objectContaining({ friendly_name: room, status: expect.stringMatching(/^(init|in-progress)$/) }),
    ]);
  });

  it('the HEALTHCHECK command fails once the server is gone', async () => {
    const port = new URL(server?.address ?? '').port;
    await server?.stop();
    server = undefined;
    await expect(runCommand(dockerfileCommand('HEALTHCHECK'), { PORT: port })).rejects.toMatchObject({
      code: 1,
    });
  });
});
