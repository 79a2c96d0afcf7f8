// The dashboard in a real browser (Debian's Chromium, driven by playwright-core): log in, watch
// conferences appear and their participants change while `conclave simulate` plays calls against the
// listening server, without a reload, and open a timeline and the charts. Screenshots go to
// test-output/dashboard/.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_URL, useApp } from '../helpers/app.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { databaseKinds } from '../helpers/databases.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUTPUT = join(import.meta.dirname, '..', '..', 'test-output', 'dashboard');
const SIMULATED_ROOMS = 5;
// Long enough to watch calls come and go: each room spreads its calls over this many seconds.
const SIMULATED_SECONDS = 12;
const WAIT_MS = 60_000;

describe.skipIf(!existsSync(CHROMIUM)).each(databaseKinds)('the dashboard in Chromium on $name', (kind) => {
  const t = useApp(kind);
  let address: string;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    mkdirSync(OUTPUT, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'conclave-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(WAIT_MS);
    // A script error, a resource the content security policy blocks, or one that fails would show here;
    // only the deliberately wrong login may answer an error.
    browser.on('weberror', (error) => problems.push(error.error().message));
    browser.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(message.text());
      }
    });
    browser.on('response', (response) => {
      const wrongLogin = response.status() === 401 && response.request().method() === 'POST';
      if (response.status() >= 400 && !wrongLogin) problems.push(`${response.status()} ${response.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** `conclave simulate` against the listening server, as an operator would run it. */
  const simulate = (rooms: number, seconds: number): Promise<CliResult> =>
    runCli(
      [
        'simulate',
        '--url',
        address,
        '--public-url',
        PUBLIC_URL,
        '--account',
        t.account.sid,
        '--rooms',
        String(rooms),
        '--callers',
        '4',
        '--duration',
        String(seconds),
      ],
      { TWILIO_AUTH_TOKEN: t.account.authToken },
    );

  const simulated = async (run: Promise<CliResult>) => {
    const result = await run;
    expect(result.stdout).toContain('failures:    none');
    expect(result.code).toBe(0);
  };

  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: join(OUTPUT, `${kind.name}-${name}.png`), fullPage: true });

  it('logs in with the account SID and auth token', async () => {
    await page.goto(`${address}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Account SID').fill(t.account.sid);
    await page.getByLabel('Auth token').fill('not the token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Auth token').fill(t.account.authToken);
    await shot('login');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Conferences', level: 1 }).waitFor();
    await page.getByText('Live: changes appear as they happen').waitFor();
    expect(page.url()).toBe(`${address}/`);
    expect(await page.getByText('No conference is live.').count()).toBe(1);
  });

  it('shows conferences appear, change and end while conclave simulate runs, without a reload', {
    timeout: 180_000,
  }, async () => {
    // Survives only as long as the page is not reloaded.
    await page.evaluate('window.notReloaded = true');
    // A short run first: its conferences are over by the time the next run starts, and show as completed.
    await simulated(simulate(3, 2));
    const completed = page.locator('#completed-conferences li[data-conference]');
    await expect.poll(() => completed.count(), { timeout: WAIT_MS }).toBeGreaterThanOrEqual(3);
    const simulation = simulate(SIMULATED_ROOMS, SIMULATED_SECONDS);

    const live = page.locator('#live-conferences');
    await live.locator('li.card').first().waitFor();
    // Who is connected, across the live conferences, as the page shows it now.
    const present = () =>
      live
        .locator('[data-call]')
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-call')).join(' '));
    await expect.poll(present, { timeout: WAIT_MS }).not.toBe('');
    const before = await present();
    await expect.poll(present, { timeout: WAIT_MS }).not.toBe(before);
    // Several rooms at once, some with a crowd: the picture the README shows.
    await expect
      .poll(() => live.locator('li.card:has(li:nth-child(3))').count(), { timeout: WAIT_MS })
      .toBeGreaterThanOrEqual(2);
    await shot('live');
    expect(await page.locator('[data-announcement]').textContent()).not.toBe('');

    const phone = await browser.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${address}/`);
    await phone.locator('#live-conferences li.card').first().waitFor();
    await shot('phone', phone);
    const overflow = await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.close();

    await simulated(simulation);
    await page.getByText('No conference is live.').waitFor();
    await expect
      .poll(() => completed.count(), { timeout: WAIT_MS })
      .toBeGreaterThanOrEqual(3 + SIMULATED_ROOMS);
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    // Room names with markup characters show as the text they are.
    await page.locator('#completed-conferences a', { hasText: 'R&D <weekly>' }).first().waitFor();
    await page.locator('#completed-conferences a', { hasText: 'Café "Ünïcode" ☃' }).first().waitFor();
    await shot('completed');
  });

  it("opens a conference's timeline", async () => {
    await page.locator('#completed-conferences a', { hasText: 'Sales stand-up' }).first().click();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    const timeline = page.locator('#timeline li');
    expect(await timeline.first().textContent()).toContain('Conference opened');
    await page.locator('#timeline li', { hasText: ' joined' }).first().waitFor();
    await page.locator('#timeline li', { hasText: 'Conference ended: ' }).waitFor();
    // The page is served whole; its feed connects after, and only then says it is live.
    const live = page.getByText('Live: changes appear as they happen');
    await live.waitFor();
    expect(await live.count()).toBe(1);
    await shot('timeline');
  });

  it('finds a conference by a participant’s CallSid', async () => {
    const call = await page.locator('#conference-state li[data-call]').first().getAttribute('data-call');
    await page.getByLabel('Search conferences').fill(call ?? '');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: /^Conferences matching/ }).waitFor();
    // The simulator now and then moves a call to another room: it is found in every conference it was in.
    const { count } = await t.database.db
      .selectFrom('participants')
      .select((eb) => eb.fn.count<string>('conference_sid').distinct().as('count'))
      .where('account_sid', '=', t.account.sid)
      .where('call_sid', '=', call ?? '')
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBeGreaterThan(0);
    expect(await page.locator('#search-results li[data-conference]').count()).toBe(Number(count));
    expect(problems).toEqual([]);
  });
  it('draws one bar per participant on a conference page', async () => {
    await page.locator('#search-results a').first().click();
    const stays = page.locator('#participant-chart svg .stay');
    await stays.first().waitFor();
    expect(await stays.count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#participant-chart svg desc').textContent()).toMatch(/\d\d:\d\d to \d\d:\d\d/);
    await page
      .locator('#participant-chart')
      .screenshot({ path: join(OUTPUT, `${kind.name}-participant-chart.png`) });
  });

  it('draws the load and the durations and sizes, and follows the load live', {
    timeout: 120_000,
  }, async () => {
    await page.goto(`${address}/charts`);
    await page.getByRole('heading', { name: 'Charts', level: 1 }).waitFor();
    for (const id of ['load-hour', 'load-day', 'durations', 'sizes']) {
      await page.locator(`#${id} svg`).waitFor();
    }
    // Every conference the simulations played has completed and is counted once in each distribution.
    const total = (id: string) =>
      page
        .locator(`#${id} .bucket`)
        .evaluateAll((buckets) => buckets.reduce((n, b) => n + Number(b.getAttribute('data-count')), 0));
    expect(await total('durations')).toBeGreaterThanOrEqual(3 + SIMULATED_ROOMS);
    expect(await total('sizes')).toBe(await total('durations'));
    await page.getByText('Live: changes appear as they happen').waitFor();
    await page.evaluate('window.notReloaded = true');
    const legend = page.locator('#load-hour .legend');
    expect(await legend.textContent()).toContain('conferences (0 now)');
    const simulation = simulate(2, 8);
    await expect.poll(() => legend.textContent(), { timeout: WAIT_MS }).not.toContain('conferences (0 now)');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    await shot('charts');
    await simulated(simulation);
    await page.getByLabel('Period').selectOption('1h');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('heading', { name: 'Conferences of the last hour' }).waitFor();
    expect(await total('durations')).toBeGreaterThanOrEqual(5 + SIMULATED_ROOMS);
    expect(problems).toEqual([]);
  });
});
