import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { Clock, callSid, commands } from '../helpers/commands.js';
import { asXml, asXmlAttributes, RestClient } from './client.js';
import { apply, conferenceSidOf, useTenants } from './seed.js';

const dayA = Date.UTC(2026, 10, 24, 9); // a Tuesday
const dayB = Date.UTC(2026, 10, 25, 9);
const dayC = Date.UTC(2026, 10, 26, 9);

export function conferencesSuite(shared: TestApp): void {
  describe('Conferences', () => {
    const t = useTenants(shared);
    let client: RestClient;
    let base: string;
    const sids = { alpha1: '', alpha2: '', beta: '', foreign: '' };

    beforeAll(async () => {
      client = new RestClient(t.app, t.account);
      base = `/2010-04-01/Accounts/${t.account.sid}`;
      const a = commands(new Clock(dayA));
      const b = commands(new Clock(dayB));
      const c = commands(new Clock(dayC));
      const { sid } = t.account;
      // alpha, first instance: opened, started and ended on day A.
      await apply(t.database, sid, [
        a.join(callSid(1), 'alpha', {}, { from: '+15550001' }),
        a.join(callSid(2), 'alpha'),
        a.leave(callSid(1)),
        a.hangUp(callSid(2)),
      ]);
      sids.alpha1 = await conferenceSidOf(t.database, sid, 'alpha');
      // alpha again on day B, waiting alone, changed on day C; beta on day B with two callers.
      await apply(t.database, sid, [b.join(callSid(3), 'alpha', { region: 'ie1' })]);
      sids.alpha2 = await conferenceSidOf(t.database, sid, 'alpha');
      await apply(t.database, sid, [
        b.join(callSid(4), 'beta', { label: 'host' }),
        b.join(callSid(5), 'beta'),
      ]);
      sids.beta = await conferenceSidOf(t.database, sid, 'beta');
      await apply(t.database, sid, [c.update(callSid(3), { muted: true })]);
      // Another account's room of the same name, on the same day.
      await apply(t.database, t.otherAccount.sid, [b.join(callSid(6), 'alpha')]);
      sids.foreign = await conferenceSidOf(t.database, t.otherAccount.sid, 'alpha');
    });

    async function listed(query: string): Promise<string[]> {
      const { status, body } = await client.json<{ conferences: { sid: string }[] }>(
        `${base}/Conferences.json${query}`,
      );
      expect(status).toBe(200);
      return body.conferences.map((conference) => conference.sid);
    }

    it('fetches a conference with exactly Twilio’s fields', async () => {
      const { status, body } = await client.json(`${base}/Conferences/${sids.beta}.json`);
      expect(status).toBe(200);
      const path = `${base}/Conferences/${sids.beta}`;
      expect(body).toEqual({
        account_sid: t.account.sid,
        api_version: '2010-04-01',
        call_sid_ending_conference: null,
        date_created: 'Wed, 25 Nov 2026 09:00:02 +0000',
        date_updated: 'Wed, 25 Nov 2026 09:00:03 +0000',
        friendly_name: 'beta',
        reason_conference_ended: null,
        region: 'us1',
        sid: sids.beta,
        status: 'in-progress',
        subresource_uris: {
          participants: `${path}/Participants.json`,
          recordings: `${path}/Recordings.json`,
        },
        uri: `${path}.json`,
      });
    });

    it('shows how a completed conference ended, and the region it was given', async () => {
      const ended = await client.json(`${base}/Conferences/${sids.alpha1}.json`);
      expect(ended.body).toMatchObject({
        status: 'completed',
        reason_conference_ended: 'last-participant-left',
        call_sid_ending_conference: callSid(2),
        date_created: 'Tue, 24 Nov 2026 09:00:01 +0000',
        date_updated: 'Tue, 24 Nov 2026 09:00:04 +0000',
      });
      const waiting = await client.json(`${base}/Conferences/${sids.alpha2}.json`);
      expect(waiting.body).toMatchObject({ status: 'init', region: 'ie1', reason_conference_ended: null });
    });

    it('accepts a Sid with upper-case hex digits', async () => {
      const { status, body } = await client.json(
        `${base}/Conferences/CF${sids.beta.slice(2).toUpperCase()}.json`,
      );
      expect(status).toBe(200);
      expect(body.sid).toBe(sids.beta);
    });

    it('lists the account’s conferences newest first, in Twilio’s envelope', async () => {
      const { body } = await client.json(`${base}/Conferences.json`);
      expect((body.conferences as { sid: string }[]).map((c) => c.sid)).toEqual([
        sids.beta,
        sids.alpha2,
        sids.alpha1,
      ]);
      const { conferences: _, ...envelope } = body;
      expect(envelope).toEqual({
        first_page_uri: `${base}/Conferences.json?PageSize=50&Page=0`,
        next_page_uri: null,
        previous_page_uri: null,
        uri: `${base}/Conferences.json?PageSize=50&Page=0`,
        page: 0,
        page_size: 50,
        start: 0,
        end: 2,
      });
    });

    it('answers an empty list with start and end at 0', async () => {
      const { body } = await client.json(`${base}/Conferences.json?FriendlyName=nobody`);
      expect(body).toMatchObject({ conferences: [], start: 0, end: 0, next_page_uri: null });
    });

    it('filters by Status and FriendlyName', async () => {
      expect(await listed('?Status=completed')).toEqual([sids.alpha1]);
      expect(await listed('?Status=init')).toEqual([sids.alpha2]);
      expect(await listed('?Status=in-progress')).toEqual([sids.beta]);
      expect(await listed('?FriendlyName=alpha')).toEqual([sids.alpha2, sids.alpha1]);
      expect(await listed('?FriendlyName=alpha&Status=init')).toEqual([sids.alpha2]);
    });

    it('filters by creation day, inclusive, with names raw or percent-encoded', async () => {
      expect(await listed('?DateCreated=2026-11-24')).toEqual([sids.alpha1]);
      expect(await listed('?DateCreated=2026-11-25')).toEqual([sids.beta, sids.alpha2]);
      expect(await listed('?DateCreated<=2026-11-24')).toEqual([sids.alpha1]);
      expect(await listed('?DateCreated%3C=2026-11-24')).toEqual([sids.alpha1]);
      expect(await listed('?DateCreated>=2026-11-25')).toEqual([sids.beta, sids.alpha2]);
      expect(await listed('?DateCreated%3E=2026-11-25')).toEqual([sids.beta, sids.alpha2]);
      expect(await listed('?DateCreated%3E=2026-11-26')).toEqual([]);
      expect(await listed('?DateCreated%3C=2026-11-23')).toEqual([]);
      expect(await listed('?DateCreated>=2026-11-24&DateCreated<=2026-11-24')).toEqual([sids.alpha1]);
      expect(await listed('?DateCreated>=1969-01-01&DateCreated<=9999-12-31')).toHaveLength(3);
    });

    it('filters by the day of the last update, inclusive', async () => {
      expect(await listed('?DateUpdated=2026-11-26')).toEqual([sids.alpha2]);
      expect(await listed('?DateUpdated<=2026-11-25')).toEqual([sids.beta, sids.alpha1]);
      expect(await listed('?DateUpdated%3C=2026-11-24')).toEqual([sids.alpha1]);
      expect(await listed('?DateUpdated>=2026-11-25')).toEqual([sids.beta, sids.alpha2]);
      expect(await listed('?DateUpdated%3E=2026-11-26&Status=init')).toEqual([sids.alpha2]);
    });

    it('takes the first and last days there are, on either database', async () => {
      expect(await listed('?DateUpdated>=0001-01-01&DateUpdated<=9999-12-31')).toHaveLength(3);
      expect(await listed('?DateUpdated=9999-12-31')).toEqual([]);
      expect(await listed('?DateCreated=9999-12-31')).toEqual([]);
    });

    it('filters by a participant’s CallSid or phone number (extension)', async () => {
      expect(await listed(`?CallSid=${callSid(1)}`)).toEqual([sids.alpha1]);
      expect(await listed(`?CallSid=${callSid(4)}`)).toEqual([sids.beta]);
      expect(await listed(`?CallSid=${callSid(6)}`)).toEqual([]);
      expect(await listed('?PhoneNumber=%2B15550001')).toEqual([sids.alpha1]);
      // Every test caller dialled +15550199: all of this account's conferences, none of the other's.
      expect(await listed('?PhoneNumber=%2B15550199')).toEqual([sids.beta, sids.alpha2, sids.alpha1]);
    });

    it('carries the filters, percent-encoded, into every page URI', async () => {
      const { body } = await client.json(
        `${base}/Conferences.json?DateCreated<=2026-11-25&FriendlyName=alpha&Status=completed&PageSize=1&Foo=bar`,
      );
      const filters = 'Status=completed&FriendlyName=alpha&DateCreated%3C=2026-11-25';
      expect(body.uri).toBe(`${base}/Conferences.json?${filters}&PageSize=1&Page=0`);
      expect(body.first_page_uri).toBe(`${base}/Conferences.json?${filters}&PageSize=1&Page=0`);
      expect(body.next_page_uri).toBeNull();
    });

    it('keeps other accounts’ conferences out of lists and answers them as missing', async () => {
      expect(await listed('?FriendlyName=alpha')).not.toContain(sids.foreign);
      const path = `${base}/Conferences/${sids.foreign}.json`;
      const missing = await client.json(path);
      expect(missing.status).toBe(404);
      const foreign = await client.as(t.otherAccount).json(`${base}/Conferences/${sids.beta}.json`);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual({
        code: 20404,
        message: `The requested resource ${base}/Conferences/${sids.beta}.json was not found`,
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      });
      const foreignList = await client.as(t.otherAccount).json(`${base}/Conferences.json`);
      expect(foreignList.status).toBe(404);
    });

    it('answers an unknown Sid with Twilio’s 404', async () => {
      const path = `${base}/Conferences/CF${'0'.repeat(32)}.json`;
      const { status, body } = await client.json(path);
      expect(status).toBe(404);
      expect(body).toEqual({
        code: 20404,
        message: `The requested resource ${path} was not found`,
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      });
      const xml = await client.xml(path.replace(/\.json$/, ''));
      expect(xml.status).toBe(404);
      expect(xml.body.RestException).toEqual({
        Code: '20404',
        Message: `The requested resource ${path.replace(/\.json$/, '')} was not found`,
        MoreInfo: 'https://www.twilio.com/docs/errors/20404',
        Status: '404',
      });
    });

    it.each([
      ['Status=finished', 'Status'],
      ['Status=', 'Status'],
      ['DateCreated=2026-11-31', 'DateCreated'],
      ['DateCreated=26-11-2026', 'DateCreated'],
      ['DateCreated%3C=2026-11-25T10:00:00Z', 'DateCreated<'],
      ['DateCreated>=yesterday', 'DateCreated>'],
      ['DateUpdated=2026-1-1', 'DateUpdated'],
      ['DateUpdated<=2026-02-30', 'DateUpdated<'],
      ['DateUpdated%3E=', 'DateUpdated>'],
      ['DateUpdated%3E=0000-01-01', 'DateUpdated>'],
      ['PageSize=0', 'PageSize'],
      ['PageSize=1001', 'PageSize'],
      ['PageSize=ten', 'PageSize'],
      ['PageSize=1.5', 'PageSize'],
      ['Page=-1', 'Page'],
      ['Page=2', 'Page'],
      ['PageToken=abc', 'PageToken'],
      ['PageToken=PA', 'PageToken'],
      ['PageToken=PACF123', 'PageToken'],
      [`PageToken=PX${'CF'.padEnd(34, 'a')}`, 'PageToken'],
      ['CallSid=CA123', 'CallSid'],
      ['Status=init&Status=completed', 'Status'],
    ])('answers %s with a 400 naming %s', async (query, parameter) => {
      const { status, body } = await client.json(`${base}/Conferences.json?${query}`);
      expect(status).toBe(400);
      expect(body.code).toBe(20001);
      expect(body.message).toContain(`parameter ${parameter}:`);
      const xml = await client.xml(`${base}/Conferences?${query}`);
      expect(xml.status).toBe(400);
      expect(xml.body.RestException).toMatchObject({ Code: '20001', Status: '400' });
    });

    // Twilio answers a path that names nothing with 404 (20404), whatever the segment looks like.
    it('answers a segment that is not a conference Sid with 404 (20404) in the representation asked for', async () => {
      const { status, body } = await client.json(`${base}/Conferences/not-a-sid.json`);
      expect(status).toBe(404);
      expect(body).toMatchObject({ code: 20404, status: 404 });
      const xml = await client.xml(`${base}/Conferences/not-a-sid`);
      expect(xml.status).toBe(404);
      expect(xml.body.RestException).toMatchObject({ Code: '20404' });
    });

    it('gives the same conference in XML, with or without .xml', async () => {
      const json = await client.json(`${base}/Conferences/${sids.alpha1}.json`);
      for (const suffix of ['', '.xml']) {
        const xml = await client.xml(`${base}/Conferences/${sids.alpha1}${suffix}`);
        expect(xml.status).toBe(200);
        expect(xml.body.Conference).toEqual(asXml(json.body));
      }
    });

    it('gives the same list in XML, with the envelope as attributes', async () => {
      const json = await client.json(`${base}/Conferences.json?FriendlyName=alpha&PageSize=1`);
      const xml = await client.xml(`${base}/Conferences?FriendlyName=alpha&PageSize=1`);
      const list = xml.body.Conferences as Record<string, unknown>;
      const { Conference: items, ...attributes } = list;
      expect(attributes).toEqual(asXmlAttributes(json.body, 'conferences'));
      expect(items).toEqual(asXml(json.body.conferences));
      expect(attributes['@nextpageuri']).toMatch(
        /\/Conferences\?FriendlyName=alpha&PageSize=1&Page=1&PageToken=PA/,
      );
    });
  });
}
