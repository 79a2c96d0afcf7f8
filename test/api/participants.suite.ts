import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { Clock, callSid, commands } from '../helpers/commands.js';
import { asXml, asXmlAttributes, RestClient } from './client.js';
import { apply, conferenceSidOf, useTenants } from './seed.js';

const start = Date.UTC(2026, 10, 26, 14); // a Thursday
const LABEL = 'guest #1/a';

export function participantsSuite(shared: TestApp): void {
  describe('Participants and history', () => {
    const t = useTenants(shared);
    let client: RestClient;
    let standup: string;
    let done: string;
    const ca = (n: number) => callSid(n);

    beforeAll(async () => {
      client = new RestClient(t.app, t.account);
      const c = commands(new Clock(start));
      await apply(t.database, t.account.sid, [
        c.join(ca(10), 'standup', { label: 'host' }, { from: '+15551230010' }),
        c.join(ca(11), 'standup', { label: LABEL }),
        c.join(ca(12), 'standup', { label: 'coach', callSidToCoach: ca(10) }),
        c.join(ca(13), 'standup', { startConferenceOnEnter: false, endConferenceOnExit: true }),
        c.update(ca(13), { muted: true, hold: true, endConferenceOnExit: true }),
        c.join(ca(14), 'standup'),
        c.leave(ca(14)),
        c.join(ca(15), 'standup'),
        c.hangUp(ca(15)),
        c.join(ca(20), 'done'),
        c.join(ca(21), 'done'),
        c.leave(ca(20)),
        c.leave(ca(21)),
      ]);
      standup = await conferenceSidOf(t.database, t.account.sid, 'standup');
      done = await conferenceSidOf(t.database, t.account.sid, 'done');
    });

    const path = (conference: string) => `/2010-04-01/Accounts/${t.account.sid}/Conferences/${conference}`;

    async function listed(conference: string, query = ''): Promise<string[]> {
      const { status, body } = await client.json<{ participants: { call_sid: string }[] }>(
        `${path(conference)}/Participants.json${query}`,
      );
      expect(status).toBe(200);
      return body.participants.map((participant) => participant.call_sid);
    }

    it('fetches a participant by CallSid with exactly Twilio’s fields', async () => {
      const { status, body } = await client.json(`${path(standup)}/Participants/${ca(12)}.json`);
      expect(status).toBe(200);
      expect(body).toEqual({
        account_sid: t.account.sid,
        call_sid: ca(12),
        call_sid_to_coach: ca(10),
        coaching: true,
        conference_sid: standup,
        date_created: 'Thu, 26 Nov 2026 14:00:03 +0000',
        date_updated: 'Thu, 26 Nov 2026 14:00:03 +0000',
        end_conference_on_exit: false,
        hold: false,
        label: 'coach',
        muted: false,
        queue_time: null,
        start_conference_on_enter: true,
        status: 'connected',
        uri: `${path(standup)}/Participants/${ca(12)}.json`,
      });
    });

    it('fetches a participant by label, percent-encoded', async () => {
      const byLabel = await client.json(`${path(standup)}/Participants/${encodeURIComponent(LABEL)}.json`);
      expect(byLabel.status).toBe(200);
      expect(byLabel.body).toMatchObject({ call_sid: ca(11), label: LABEL });
      const host = await client.json(`${path(standup)}/Participants/host.json`);
      expect(host.body).toEqual((await client.json(`${path(standup)}/Participants/${ca(10)}.json`)).body);
    });

    it('fetches a participant by a label of the longest kind a webhook takes, 128 characters', async () => {
      const c = commands(new Clock(start + 60_000));
      const labels = ['l'.repeat(128), '𝄞'.repeat(128)];
      await apply(
        t.database,
        t.account.sid,
        labels.map((label, i) => c.join(ca(40 + i), 'long labels', { label })),
      );
      const room = await conferenceSidOf(t.database, t.account.sid, 'long labels');
      for (const [i, label] of labels.entries()) {
        const byLabel = await client.json(`${path(room)}/Participants/${encodeURIComponent(label)}.json`);
        expect(byLabel.status).toBe(200);
        expect(byLabel.body).toMatchObject({ call_sid: ca(40 + i), label });
      }
    });

    it('lists the participants connected now, newest first, as Twilio does', async () => {
      expect(await listed(standup)).toEqual([ca(13), ca(12), ca(11), ca(10)]);
      expect(await listed(done)).toEqual([]);
    });

    it('filters by Muted, Hold and Coaching', async () => {
      expect(await listed(standup, '?Muted=true')).toEqual([ca(13)]);
      expect(await listed(standup, '?Muted=false')).toEqual([ca(12), ca(11), ca(10)]);
      expect(await listed(standup, '?Hold=true')).toEqual([ca(13)]);
      expect(await listed(standup, '?Coaching=true')).toEqual([ca(12)]);
      expect(await listed(standup, '?Coaching=false&Hold=false')).toEqual([ca(11), ca(10)]);
    });

    it('answers a departed participant with 404, as Twilio does', async () => {
      const { status } = await client.json(`${path(standup)}/Participants/${ca(14)}.json`);
      expect(status).toBe(404);
    });

    it('keeps the history of participants who left, with when and why (extension)', async () => {
      const { body } = await client.json<{ participants: Record<string, unknown>[] }>(
        `${path(standup)}/Participants.json?Status=complete`,
      );
      expect(body.participants.map((p) => [p.call_sid, p.status, p.date_left, p.left_reason])).toEqual([
        [ca(15), 'complete', 'Thu, 26 Nov 2026 14:00:09 +0000', 'hung-up'],
        [ca(14), 'complete', 'Thu, 26 Nov 2026 14:00:07 +0000', 'dial-ended'],
      ]);
      expect(await listed(done, '?Status=complete')).toEqual([ca(21), ca(20)]);
      expect(await listed(standup, '?Status=connected')).toEqual([ca(13), ca(12), ca(11), ca(10)]);
      expect(await listed(standup, '?Status=queued')).toEqual([]);
      const departed = await client.json(`${path(standup)}/Participants/${ca(14)}.json?Status=complete`);
      expect(departed.status).toBe(200);
      expect(departed.body).toMatchObject({
        status: 'complete',
        date_left: 'Thu, 26 Nov 2026 14:00:07 +0000',
      });
      const present = await client.json(`${path(standup)}/Participants/${ca(10)}.json?Status=connected`);
      expect(present.body).toMatchObject({ status: 'connected', date_left: null, left_reason: null });
    });

    it('pages participants by keyset, carrying the filters', async () => {
      const first = await client.json<Record<string, unknown> & { participants: { call_sid: string }[] }>(
        `${path(standup)}/Participants.json?Muted=false&PageSize=2`,
      );
      expect(first.body.participants.map((p) => p.call_sid)).toEqual([ca(12), ca(11)]);
      expect(first.body.next_page_uri).toBe(
        `${path(standup)}/Participants.json?Muted=false&PageSize=2&Page=1&PageToken=PA${ca(11)}`,
      );
      const second = await client.json<Record<string, unknown> & { participants: { call_sid: string }[] }>(
        first.body.next_page_uri as string,
      );
      expect(second.body.participants.map((p) => p.call_sid)).toEqual([ca(10)]);
      expect(second.body).toMatchObject({ next_page_uri: null, page: 1, start: 2, end: 2 });
      const back = await client.json<{ participants: { call_sid: string }[] }>(
        second.body.previous_page_uri as string,
      );
      expect(back.body.participants.map((p) => p.call_sid)).toEqual([ca(12), ca(11)]);
    });

    it('gives the same participant and list in XML', async () => {
      const one = await client.json(`${path(standup)}/Participants/${ca(13)}.json`);
      const oneXml = await client.xml(`${path(standup)}/Participants/${ca(13)}`);
      expect(oneXml.body.Participant).toEqual(asXml(one.body));
      const list = await client.json(`${path(standup)}/Participants.json?Status=complete`);
      const listXml = await client.xml(`${path(standup)}/Participants.xml?Status=complete`);
      const { Participant: items, ...attributes } = listXml.body.Participants as Record<string, unknown>;
      expect(attributes).toEqual(asXmlAttributes(list.body, 'participants'));
      expect(attributes['@firstpageuri']).toBe(
        `${path(standup)}/Participants?Status=complete&PageSize=50&Page=0`,
      );
      expect(items).toEqual(asXml(list.body.participants));
    });

    it('answers for unknown, foreign or malformed conferences like Twilio', async () => {
      const unknown = `CF${'f'.repeat(32)}`;
      expect((await client.json(`${path(unknown)}/Participants.json`)).status).toBe(404);
      expect((await client.json(`${path(unknown)}/Participants/${ca(10)}.json`)).status).toBe(404);
      expect((await client.json(`${path(unknown)}/Events.json`)).status).toBe(404);
      const foreign = client.as(t.otherAccount);
      expect((await foreign.json(`${path(standup)}/Participants.json`)).status).toBe(404);
      expect((await foreign.json(`${path(standup)}/Participants/${ca(10)}.json`)).status).toBe(404);
      expect((await foreign.json(`${path(standup)}/Events.json`)).status).toBe(404);
      for (const suffix of ['/Participants.json', `/Participants/${ca(10)}.json`, '/Events.json']) {
        const malformed = await client.json(`${path('standup')}${suffix}`);
        expect(malformed.status).toBe(404);
        expect(malformed.body.code).toBe(20404);
      }
    });

    it.each([
      ['Muted=yes', 'Muted'],
      ['Hold=1', 'Hold'],
      ['Coaching=TRUE', 'Coaching'],
      ['Status=completed', 'Status'],
      [`PageToken=PA${'CF'.padEnd(34, '0')}`, 'PageToken'],
      [`PageToken=PB${'CA'.padEnd(34, '0')}`, 'PageToken'],
    ])('answers %s with a 400 naming %s', async (query, parameter) => {
      const { status, body } = await client.json(`${path(standup)}/Participants.json?${query}`);
      expect(status).toBe(400);
      expect(body.message).toContain(`parameter ${parameter}:`);
    });

    it('answers a participant fetch with a bad Status with a 400', async () => {
      const { status, body } = await client.json(`${path(standup)}/Participants/host.json?Status=gone`);
      expect(status).toBe(400);
      expect(body.message).toContain('parameter Status:');
    });

    describe('Events (extension)', () => {
      type Events = Record<string, unknown> & { events: Record<string, unknown>[] };

      it('lists a conference’s events newest first, with type, time, call and data', async () => {
        const { status, body } = await client.json<Events>(`${path(done)}/Events.json`);
        expect(status).toBe(200);
        expect(body.events.map((e) => [e.type, e.call_sid])).toEqual([
          ['ConferenceEnded', null],
          ['ParticipantLeft', ca(21)],
          ['ParticipantLeft', ca(20)],
          ['ConferenceStarted', null],
          ['ParticipantJoined', ca(21)],
          ['ParticipantJoined', ca(20)],
          ['ConferenceOpened', null],
        ]);
        const ended = body.events[0] as Record<string, unknown>;
        expect(ended).toMatchObject({
          account_sid: t.account.sid,
          conference_sid: done,
          date_created: 'Thu, 26 Nov 2026 14:00:13 +0000',
          data: {
            conferenceSid: done,
            reason: 'last-participant-left',
            callSidEndingConference: ca(21),
            at: '2026-11-26T14:00:13.000Z',
          },
        });
        expect(ended.sid).toMatch(/^EV[0-9a-f]{32}$/);
        expect(new Set(body.events.map((e) => e.sid)).size).toBe(7);
      });

      it('pages events like the other lists', async () => {
        const all = (await client.json<Events>(`${path(done)}/Events.json`)).body.events.map((e) => e.sid);
        const seen: unknown[] = [];
        let next: string | null = `${path(done)}/Events.json?PageSize=3`;
        const pages: Events[] = [];
        while (next) {
          const page: Events = (await client.json<Events>(next)).body;
          pages.push(page);
          seen.push(...page.events.map((e) => e.sid));
          next = page.next_page_uri as string | null;
        }
        expect(seen).toEqual(all);
        expect(pages.map((p) => p.events.length)).toEqual([3, 3, 1]);
        const back = await client.json<Events>(pages[2]?.previous_page_uri as string);
        expect(back.body.events.map((e) => e.sid)).toEqual(all.slice(3, 6));
      });

      it('gives the same events in XML', async () => {
        const json = await client.json<Events>(`${path(done)}/Events.json?PageSize=2`);
        const xml = await client.xml(`${path(done)}/Events?PageSize=2`);
        const { Event: items, ...attributes } = xml.body.Events as Record<string, unknown>;
        expect(attributes).toEqual(asXmlAttributes(json.body, 'events'));
        expect(items).toEqual(asXml(json.body.events));
      });

      it.each([
        ['PageToken=PAEV123', 'PageToken'],
        [`PageToken=PA${'EV'.padEnd(34, '0')}`, 'PageToken'],
        [`PageToken=PA${'CF'.padEnd(34, '0')}`, 'PageToken'],
        ['PageSize=5000', 'PageSize'],
      ])('answers %s with a 400 naming %s', async (query, parameter) => {
        const { status, body } = await client.json(`${path(done)}/Events.json?${query}`);
        expect(status).toBe(400);
        expect(body.message).toContain(`parameter ${parameter}:`);
      });
    });
  });
}
