// The charts page and a conference's participant chart, as the server renders them: SVG with every value
// also in text, behind the login like every page.

import { describe, expect, it } from 'vitest';
import { apply, conferenceSidOf } from '../api/seed.js';
import { useApp } from '../helpers/app.js';
import { Clock, callSid, commands } from '../helpers/commands.js';
import { databaseKinds } from '../helpers/databases.js';
import { logIn } from './helpers.js';

for (const kind of databaseKinds) {
  describe(`charts on the dashboard (${kind.name})`, () => {
    const t = useApp(kind);

    const get = async (url: string) =>
      t.app.inject({ method: 'GET', url, headers: { cookie: await logIn(t.app, t.account) } });

    it('sends anyone not logged in to the login form', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/charts' });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/login?next=%2Fcharts');
    });

    it('draws the load of the last hour and day and the distributions of the period asked for', async () => {
      const old = commands(new Clock(Date.UTC(2020, 0, 1)));
      const recent = commands(new Clock(Date.now() - 120_000));
      await apply(t.database, t.account.sid, [old.join(callSid(1), 'old'), old.hangUp(callSid(1))]);
      await apply(t.database, t.account.sid, [
        recent.join(callSid(2), 'recent'),
        recent.join(callSid(3), 'recent'),
        recent.hangUp(callSid(2)),
        recent.hangUp(callSid(3)),
      ]);
      const response = await get('/charts?period=7d');
      expect(response.statusCode).toBe(200);
      for (const id of ['load-hour', 'load-day', 'durations', 'sizes']) {
        expect(response.body).toMatch(
          new RegExp(`<figure class="chart" id="${id}">\\s*<svg [^>]*role="img"`),
        );
      }
      expect(response.body).toContain('<option value="7d" selected>the last 7 days</option>');
      expect(response.body).toContain('conferences (0 now)');
      expect(response.body).toContain('1 conferences opened in the last 7 days and completed since.');
      expect(response.body).toMatch(/<g class="bucket" data-label="&lt; 1 min" data-count="1">/);
      expect(response.body).toMatch(/<g class="bucket" data-label="2" data-count="1">/);
      // A period it does not know falls back to the last 24 hours.
      expect((await get('/charts?period=forever')).body).toContain('<option value="24h" selected>');
    });

    it('draws a bar per participant, with its muted stretch, on the conference page', async () => {
      const c = commands();
      const host = callSid(11);
      const guest = callSid(12);
      await apply(t.database, t.account.sid, [
        c.join(host, 'bars', { label: 'host' }),
        c.join(guest, 'bars'),
        c.update(guest, { muted: true }),
        c.update(guest, { muted: false }),
        c.hangUp(guest),
      ]);
      const sid = await conferenceSidOf(t.database, t.account.sid, 'bars');
      const body = (await get(`/conferences/${sid}`)).body;
      const chart = /<section id="participant-chart"[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
      expect(chart.match(/<g class="stay"/g)).toHaveLength(2);
      expect(chart).toContain(`data-call="${host}"`);
      expect(chart.match(/<rect class="stretch muted" data-kind="muted"/g)).toHaveLength(1);
      expect(chart).toMatch(/host: \d\d:\d\d to now/);
      expect(chart).toMatch(/muted \d\d:\d\d–\d\d:\d\d/);
    });
  });
}
