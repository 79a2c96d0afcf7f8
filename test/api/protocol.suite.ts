// What every REST request goes through: authentication, tenancy, methods, unknown paths, and paging.

import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { Clock, callSid, commands } from '../helpers/commands.js';
import { basic, RestClient } from './client.js';
import { apply, conferenceSidOf, useTenants } from './seed.js';

type List = Record<string, unknown> & { conferences: { sid: string }[] };

export function protocolSuite(shared: TestApp): void {
  describe('REST protocol', () => {
    const t = useTenants(shared);
    const clock = new Clock(Date.UTC(2026, 10, 26, 8));
    const c = commands(clock);
    let client: RestClient;
    let base: string;
    let calls = 0;
    /** Conference Sids in creation order. */
    const created: string[] = [];

    async function openConferences(count: number): Promise<void> {
      for (let i = 0; i < count; i++) {
        const room = `room-${created.length}`;
        await apply(t.database, t.account.sid, [c.join(callSid(++calls), room)]);
        created.push(await conferenceSidOf(t.database, t.account.sid, room));
      }
    }

    beforeAll(async () => {
      client = new RestClient(t.app, t.account);
      base = `/2010-04-01/Accounts/${t.account.sid}`;
      await openConferences(7);
    });

    const resources = () => {
      const conference = created[0];
      return [
        `${base}/Conferences.json`,
        `${base}/Conferences`,
        `${base}/Conferences/${conference}.json`,
        `${base}/Conferences/${conference}/Participants.xml`,
        `${base}/Conferences/${conference}/Participants/${callSid(1)}.json`,
        `${base}/Conferences/${conference}/Events.json`,
      ];
    };

    describe('authentication', () => {
      const AUTHENTICATE = {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      };

      it.each([
        ['no credentials', null],
        ['a wrong token', 'wrong-token'],
        ['an unknown account', 'unknown-account'],
        ['a bearer token', 'bearer'],
        ['credentials without a colon', 'no-colon'],
      ])('answers %s with 401, code 20003 and a Basic challenge', async (_case, variant) => {
        const headers: Record<string, string> = {};
        if (variant === 'wrong-token')
          headers.authorization = basic({ ...t.account, authToken: 'f'.repeat(32) });
        if (variant === 'unknown-account')
          headers.authorization = basic({ sid: `AC${'1'.repeat(32)}`, authToken: t.account.authToken });
        if (variant === 'bearer') headers.authorization = `Bearer ${t.account.authToken}`;
        if (variant === 'no-colon')
          headers.authorization = `Basic ${Buffer.from(t.account.sid).toString('base64')}`;
        for (const url of resources()) {
          const response = await client.as(null).request('GET', url, headers);
          expect(response.statusCode).toBe(401);
          expect(response.headers['www-authenticate']).toBe('Basic realm="Twilio API"');
          expect(response.body).not.toContain(t.account.authToken);
          if (url.endsWith('.json')) expect(response.json()).toEqual(AUTHENTICATE);
          else
            expect(response.body).toContain(
              '<RestException><Code>20003</Code><Message>Authenticate</Message>',
            );
        }
      });

      it('takes an account Sid whose hex digits are in upper case as the same account', async () => {
        const sid = `AC${t.account.sid.slice(2).toUpperCase()}`;
        const upper = client.as({ ...t.account, sid });
        for (const url of [`${base}/Conferences.json`, `/2010-04-01/Accounts/${sid}/Conferences.json`]) {
          const response = await upper.json<{ conferences: unknown[] }>(url);
          expect(response.status, url).toBe(200);
          expect(response.body.conferences.length).toBeGreaterThan(0);
        }
      });

      it('authenticates before it says whether a path exists or a method is allowed', async () => {
        const anonymous = client.as(null);
        expect((await anonymous.request('GET', `${base}/Calls.json`)).statusCode).toBe(401);
        expect((await anonymous.request('POST', `${base}/Conferences.json`)).statusCode).toBe(401);
        // The API's root itself, with or without a query (a hostile-input run once found it answered 500).
        for (const path of ['/2010-04-01', '/2010-04-01?x=1']) {
          const root = await anonymous.request('GET', path);
          expect(root.statusCode, path).toBe(401);
          expect(root.body, path).toContain('<Code>20003</Code>');
        }
      });

      it('answers a path naming another account like a missing one', async () => {
        const foreign = `/2010-04-01/Accounts/${t.otherAccount.sid}/Conferences.json`;
        const { status, body } = await client.json(foreign);
        expect(status).toBe(404);
        expect(body.message).toBe(`The requested resource ${foreign} was not found`);
      });
    });

    describe('methods and paths', () => {
      it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'])(
        'answers %s with 405 and a Twilio error body',
        async (method) => {
          for (const url of resources()) {
            const response = await client.request(method, url, { 'content-type': 'application/json' });
            expect(response.statusCode).toBe(405);
            expect(response.headers.allow).toBe('GET, HEAD');
            if (url.endsWith('.json')) {
              expect(response.json()).toMatchObject({ code: 20004, status: 405 });
            } else {
              expect(response.body).toContain('<Code>20004</Code>');
            }
          }
        },
      );

      it('refuses a POST whatever its body', async () => {
        const response = await t.app.inject({
          method: 'POST',
          url: `${base}/Conferences/${created[0]}.json`,
          headers: { authorization: basic(t.account), 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'Status=completed',
        });
        expect(response.statusCode).toBe(405);
        const broken = await t.app.inject({
          method: 'POST',
          url: `${base}/Conferences.json`,
          headers: { authorization: basic(t.account), 'content-type': 'application/json' },
          payload: '{not json',
        });
        expect(broken.statusCode).toBe(405);
      });

      it('answers HEAD like GET without a body', async () => {
        const response = await client.request('HEAD', `${base}/Conferences.json`);
        expect(response.statusCode).toBe(200);
        expect(response.body).toBe('');
      });

      it('answers unknown paths with Twilio’s 404 in the representation asked for', async () => {
        const { status, body } = await client.json(`${base}/Calls.json`);
        expect(status).toBe(404);
        expect(body).toMatchObject({
          code: 20404,
          message: `The requested resource ${base}/Calls.json was not found`,
        });
        const xml = await client.xml(`${base}/Conferences/${created[0]}/Recordings/not-a-sid`);
        expect(xml.status).toBe(404);
        expect(xml.body.RestException).toMatchObject({ Code: '20404' });
      });

      it('answers a path it cannot decode, or a segment longer than any Sid, with the same 404', async () => {
        for (const path of [`${base}/Conferences/%FF`, `${base}/Conferences/${'a'.repeat(300)}`]) {
          const { status, body } = await client.json(`${path}.json`);
          expect(status, path).toBe(404);
          expect(body, path).toMatchObject({
            code: 20404,
            message: `The requested resource ${path}.json was not found`,
          });
          const xml = await client.xml(`${path}.xml`);
          expect(xml.status, path).toBe(404);
          expect(xml.body.RestException, path).toMatchObject({ Code: '20404' });
        }
      });
    });

    describe('paging', () => {
      async function page(url: string): Promise<List> {
        const { status, body } = await client.json<List>(url);
        expect(status).toBe(200);
        return body;
      }
      const sidsOf = (list: List) => list.conferences.map((conference) => conference.sid);

      it('walks pages by PageToken, newest first, and stops with next_page_uri null', async () => {
        const newest = [...created].reverse();
        const first = await page(`${base}/Conferences.json?PageSize=3`);
        expect(sidsOf(first)).toEqual(newest.slice(0, 3));
        expect(first.next_page_uri).toBe(
          `${base}/Conferences.json?PageSize=3&Page=1&PageToken=PA${newest[2]}`,
        );
        expect(first.previous_page_uri).toBeNull();
        const second = await page(first.next_page_uri as string);
        expect(sidsOf(second)).toEqual(newest.slice(3, 6));
        expect(second).toMatchObject({
          uri: `${base}/Conferences.json?PageSize=3&Page=1&PageToken=PA${newest[2]}`,
          first_page_uri: `${base}/Conferences.json?PageSize=3&Page=0`,
          previous_page_uri: `${base}/Conferences.json?PageSize=3&Page=0&PageToken=PB${newest[3]}`,
          page: 1,
          page_size: 3,
          start: 3,
          end: 5,
        });
        const third = await page(second.next_page_uri as string);
        expect(sidsOf(third)).toEqual(newest.slice(6));
        expect(third).toMatchObject({ next_page_uri: null, page: 2, start: 6, end: 6 });
        const back = await page(second.previous_page_uri as string);
        expect(sidsOf(back)).toEqual(sidsOf(first));
        expect(back.previous_page_uri).toBeNull();
        expect(back.next_page_uri).toBe(first.next_page_uri);
      });

      it('never shows a row twice or skips one while rows are added', async () => {
        const before = [...created].reverse();
        const first = await page(`${base}/Conferences.json?PageSize=3`);
        await openConferences(3);
        const seen = sidsOf(first);
        let next = first.next_page_uri as string | null;
        let last = first;
        while (next) {
          last = await page(next);
          seen.push(...sidsOf(last));
          next = last.next_page_uri as string | null;
        }
        expect(seen).toEqual(before);
        // Going back from the second page now finds the newer rows above the first.
        const second = await page(first.next_page_uri as string);
        const top = await page(second.previous_page_uri as string);
        expect(sidsOf(top)).toEqual(sidsOf(first));
        const newer = await page(top.previous_page_uri as string);
        expect(sidsOf(newer)).toEqual(created.slice(-3).reverse());
        expect(newer.previous_page_uri).toBeNull();
      });

      it('takes PageSize up to 1000 and defaults to 50', async () => {
        expect((await page(`${base}/Conferences.json?PageSize=1000`)).page_size).toBe(1000);
        expect((await page(`${base}/Conferences.json`)).page_size).toBe(50);
      });
    });
  });
}
