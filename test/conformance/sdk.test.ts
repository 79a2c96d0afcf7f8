// The official twilio package, pointed at a listening Conclave, must not be able to tell it from Twilio
// for conferences and participants. Every response it receives is checked against Twilio's schema on the
// way in.

import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { ConferenceInstance } from 'twilio/lib/rest/api/v2010/account/conference.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidJson } from '../api/client.js';
import { build, type TestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { CALLS, CONFERENCE_COUNT, DAY_MS, Edge, FIRST_DAY, GUEST_LABEL, populate } from './seed.js';

// With a region or edge set, the SDK rewrites the host name of baseUrl.
delete process.env.TWILIO_REGION;
delete process.env.TWILIO_EDGE;

/** The SDK's own HTTP client, checking each JSON body it receives. */
class ValidatingClient extends twilio.RequestClient {
  override async request<TData>(options: RequestClient.RequestOptions<TData>) {
    const response = await super.request<TData>(options);
    const url = new URL(options.uri);
    for (const [name, value] of Object.entries(options.params ?? {}))
      url.searchParams.append(name, String(value));
    expectValidJson(
      `${url.pathname}${url.search}`,
      response.statusCode,
      response.body as Record<string, unknown>,
    );
    return response;
  }
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const asDate = (yyyymmdd: string) => new Date(`${yyyymmdd}T00:00:00Z`);
const sids = (conferences: ConferenceInstance[]) => conferences.map((conference) => conference.sid);

for (const kind of databaseKinds) {
  describe(`twilio SDK against a listening Conclave (${kind.name})`, () => {
    let t: TestApp;
    let client: twilio.Twilio;
    /** Every conference, as the SDK lists them. */
    let all: ConferenceInstance[];
    let edge: Edge;

    beforeAll(async () => {
      edge = new Edge(FIRST_DAY);
      t = await build(kind, {}, { clock: edge.clock });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      edge.attach(t);
      await populate(edge);
      client = twilio(t.account.sid, t.account.authToken, { httpClient: new ValidatingClient() });
      client.api.baseUrl = `http://127.0.0.1:${port}`;
      all = await client.conferences.list({ pageSize: 50 });
    });

    afterAll(async () => {
      await t?.app.close();
      await t?.database.drop();
    });

    const byNewest = (a: ConferenceInstance, b: ConferenceInstance) =>
      b.dateCreated.getTime() - a.dateCreated.getTime() || (a.sid < b.sid ? 1 : -1);

    it('lists every conference exactly once, newest first, through pages of 50', async () => {
      expect(all).toHaveLength(CONFERENCE_COUNT);
      expect(new Set(sids(all)).size).toBe(CONFERENCE_COUNT);
      expect(sids(all)).toEqual(sids([...all].sort(byNewest)));
      expect(sids(await client.conferences.list())).toEqual(sids(all));
    });

    it('pages by next_page_uri until it is null', async () => {
      const first = await client.conferences.page({ pageSize: 50 });
      const seen = [...sids(first.instances)];
      let pages = 1;
      for (let next = first.nextPage(); next; ) {
        const page = await next;
        seen.push(...sids(page.instances));
        pages++;
        next = page.nextPage();
      }
      expect(pages).toBe(Math.ceil(CONFERENCE_COUNT / 50));
      expect(seen).toEqual(sids(all));
    });

    it('walks every conference once with each()', async () => {
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        client.conferences.each(
          { pageSize: 50, done: (error?: Error) => (error ? reject(error) : resolve()) },
          (conference) => {
            seen.push(conference.sid);
          },
        );
      });
      expect(seen).toEqual(sids(all));
    });

    it('stops at a limit', async () => {
      expect(sids(await client.conferences.list({ limit: 7 }))).toEqual(sids(all).slice(0, 7));
      expect(sids(await client.conferences.list({ limit: 120, pageSize: 50 }))).toEqual(
        sids(all).slice(0, 120),
      );
    });

    it('filters by status and friendly name', async () => {
      for (const status of ['init', 'in-progress', 'completed'] as const) {
        const expected = all.filter((conference) => conference.status === status);
        expect(expected.length).toBeGreaterThan(0);
        expect(sids(await client.conferences.list({ status }))).toEqual(sids(expected));
      }
      const standup = await client.conferences.list({ friendlyName: 'standup' });
      expect(standup.map((conference) => conference.friendlyName)).toEqual(['standup']);
    });

    it('filters by each date bound, whole days in UTC, inclusive', async () => {
      const days = [
        FIRST_DAY - DAY_MS,
        FIRST_DAY,
        FIRST_DAY + DAY_MS,
        FIRST_DAY + 2 * DAY_MS,
        FIRST_DAY + 3 * DAY_MS,
      ].map((ms) => day(new Date(ms)));
      // The scenario spreads creation over three days, and one conference was last updated on a later day.
      expect(new Set(all.map((conference) => day(conference.dateCreated))).size).toBe(3);
      expect(all.some((conference) => day(conference.dateUpdated) !== day(conference.dateCreated))).toBe(
        true,
      );
      for (const d of days) {
        const on = asDate(d);
        const created = (test: (c: string) => boolean) => sids(all.filter((c) => test(day(c.dateCreated))));
        const updated = (test: (c: string) => boolean) => sids(all.filter((c) => test(day(c.dateUpdated))));
        expect(sids(await client.conferences.list({ dateCreated: on }))).toEqual(created((c) => c === d));
        expect(sids(await client.conferences.list({ dateCreatedBefore: on }))).toEqual(
          created((c) => c <= d),
        );
        expect(sids(await client.conferences.list({ dateCreatedAfter: on }))).toEqual(created((c) => c >= d));
        expect(sids(await client.conferences.list({ dateUpdated: on }))).toEqual(updated((c) => c === d));
        expect(sids(await client.conferences.list({ dateUpdatedBefore: on }))).toEqual(
          updated((c) => c <= d),
        );
        expect(sids(await client.conferences.list({ dateUpdatedAfter: on }))).toEqual(updated((c) => c >= d));
      }
      const [first, , third] = days.slice(1);
      const between = await client.conferences.list({
        dateCreatedAfter: asDate(first as string),
        dateCreatedBefore: asDate(third as string),
        status: 'completed',
        pageSize: 100,
      });
      expect(sids(between)).toEqual(sids(all.filter((c) => c.status === 'completed')));
    });

    it('fetches a conference as the list shows it', async () => {
      for (const conference of all.slice(0, 5)) {
        const fetched = await client.conferences(conference.sid).fetch();
        expect(fetched.toJSON()).toEqual(conference.toJSON());
      }
      const board = all.find((conference) => conference.friendlyName === 'board');
      expect(board).toMatchObject({
        status: 'completed',
        reasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
        callSidEndingConference: CALLS.chair,
        region: 'us1',
        apiVersion: '2010-04-01',
      });
    });

    it('lists the current participants and filters them', async () => {
      const standup = all.find((conference) => conference.friendlyName === 'standup')?.sid as string;
      const participants = client.conferences(standup).participants;
      const current = await participants.list();
      expect(current.map((p) => p.callSid).sort()).toEqual([CALLS.host, CALLS.guest, CALLS.coach].sort());
      expect(current.every((p) => p.status === 'connected' && p.queueTime === null)).toBe(true);
      expect((await participants.list({ muted: true })).map((p) => p.callSid)).toEqual([CALLS.guest]);
      expect((await participants.list({ hold: true })).map((p) => p.callSid)).toEqual([CALLS.guest]);
      expect((await participants.list({ coaching: true })).map((p) => p.callSid)).toEqual([CALLS.coach]);
      expect(
        (await participants.list({ coaching: false, pageSize: 1 })).map((p) => p.callSid).sort(),
      ).toEqual([CALLS.host, CALLS.guest].sort());
      const ended = all.find((conference) => conference.friendlyName === 'board')?.sid as string;
      expect(await client.conferences(ended).participants.list()).toEqual([]);
    });

    it('fetches a participant by CallSid and by label', async () => {
      const standup = all.find((conference) => conference.friendlyName === 'standup')?.sid as string;
      const byCallSid = await client.conferences(standup).participants(CALLS.coach).fetch();
      expect(byCallSid).toMatchObject({
        callSid: CALLS.coach,
        coaching: true,
        callSidToCoach: CALLS.host,
        label: 'coach',
      });
      const byLabel = await client.conferences(standup).participants(GUEST_LABEL).fetch();
      expect(byLabel).toMatchObject({ callSid: CALLS.guest, label: GUEST_LABEL, muted: true, hold: true });
      expect(byLabel.toJSON()).toEqual(
        (await client.conferences(standup).participants(CALLS.guest).fetch()).toJSON(),
      );
    });

    it('gets Twilio’s errors where Twilio gives them', async () => {
      const standup = all.find((conference) => conference.friendlyName === 'standup')?.sid as string;
      await expect(client.conferences(standup).participants(CALLS.departed).fetch()).rejects.toMatchObject({
        status: 404,
        code: 20404,
      });
      await expect(client.conferences(`CF${'0'.repeat(32)}`).fetch()).rejects.toMatchObject({
        status: 404,
        code: 20404,
        moreInfo: 'https://www.twilio.com/docs/errors/20404',
      });
      const stranger = twilio(t.account.sid, 'f'.repeat(32), { httpClient: new ValidatingClient() });
      stranger.api.baseUrl = client.api.baseUrl;
      await expect(stranger.conferences.list()).rejects.toMatchObject({ status: 401, code: 20003 });
      await expect(client.conferences.list({ pageSize: 5000 })).rejects.toMatchObject({
        status: 400,
        code: 20001,
      });
    });

    // Run last: the platform's own conferences come after the scenario the tests above count.
    describe("the platform's facts", () => {
      const platformSid = `CF${'5a'.repeat(16)}`;
      const recordingSid = `RE${'7b'.repeat(16)}`;
      const [first, second, moved] = [0x2001, 0x2002, 0x2003].map(
        (n) => `CA${n.toString(16).padStart(32, '0')}`,
      ) as [string, string, string];
      let minted: string;

      beforeAll(async () => {
        edge.at(FIRST_DAY + 3 * DAY_MS);
        await edge.join(first, 'platform room', { record: true, label: 'first' });
        await edge.join(second, 'platform room');
        await edge.reportJoin(first, 'platform room', platformSid);
        await edge.recording('platform room', platformSid, recordingSid, 'in-progress');
        await edge.recording('platform room', platformSid, recordingSid, 'completed');
        await edge.join(moved, 'elsewhere');
        const row = await t.database.db
          .selectFrom('conferences')
          .select('sid')
          .where('account_sid', '=', t.account.sid)
          .where('platform_sid', '=', platformSid)
          .executeTakeFirstOrThrow();
        minted = row.sid;
      });

      it("fetches a conference, its participants and its recordings by the platform's Sid and by the minted one", async () => {
        expect(minted).toMatch(/^CF[0-9a-f]{32}$/);
        for (const sid of [platformSid, minted]) {
          const conference = await client.conferences(sid).fetch();
          expect(conference).toMatchObject({
            sid: platformSid,
            friendlyName: 'platform room',
            status: 'in-progress',
          });
          const participants = await client.conferences(sid).participants.list();
          expect(participants.map((p) => p.callSid).sort()).toEqual([first, second].sort());
          expect(new Set(participants.map((p) => p.conferenceSid))).toEqual(new Set([platformSid]));
          const recordings = await client.conferences(sid).recordings.list();
          expect(recordings).toHaveLength(1);
          expect(recordings[0]).toMatchObject({
            sid: recordingSid,
            conferenceSid: platformSid,
            status: 'completed',
            duration: '42',
          });
          const recording = await client.conferences(sid).recordings(recordingSid).fetch();
          expect(recording.toJSON()).toEqual(recordings[0]?.toJSON());
        }
      });

      it('answers a duplicate label with 200 TwiML that ends the call', async () => {
        const response = await edge.join(`CA${'2004'.padStart(32, '0')}`, 'platform room', {
          label: 'first',
        });
        expect(response.statusCode).toBe(200);
        expect(response.body).toContain('<Hangup');
        expect(response.body).not.toContain('<Dial');
      });

      it('moves a call the platform reports in another room', async () => {
        await edge.reportJoin(moved, 'platform room', platformSid);
        const participants = await client.conferences(platformSid).participants.list();
        expect(participants.map((p) => p.callSid)).toContain(moved);
        const elsewhere = (await client.conferences.list({ friendlyName: 'elsewhere' }))[0];
        expect(elsewhere?.status).toBe('completed');
      });

      it("shows the platform's reason for an end that came after Conclave completed the conference", async () => {
        for (const call of [first, second, moved]) await edge.hangUp(call);
        expect(await client.conferences(platformSid).fetch()).toMatchObject({
          status: 'completed',
          reasonConferenceEnded: 'last-participant-left',
        });
        await edge.endConference('platform room', platformSid, 'conference-ended-via-api');
        expect(await client.conferences(minted).fetch()).toMatchObject({
          sid: platformSid,
          status: 'completed',
          reasonConferenceEnded: 'conference-ended-via-api',
        });
      });

      it('answers 404 (20404) for a conference segment that is not a Sid', async () => {
        await expect(client.conferences('not-a-sid').fetch()).rejects.toMatchObject({
          status: 404,
          code: 20404,
        });
      });
    });
  });
}
