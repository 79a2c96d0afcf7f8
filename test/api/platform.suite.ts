// The platform's facts as the REST side shows them: a conference fetched, listed and paged by the Sid the
// platform reported or by the one Conclave minted, always shown by the platform's; the reason of a
// conference-end that came after Conclave completed the conference; and the recordings the platform
// reported, with Twilio's fields, filters and paging.

import { beforeAll, describe, expect, it } from 'vitest';
import type { RoomCommand } from '../../src/domain/commands.js';
import type { RecordingReported } from '../../src/domain/events.js';
import type { TestApp } from '../helpers/app.js';
import { Clock, callSid, commands } from '../helpers/commands.js';
import { asXml, RestClient } from './client.js';
import { apply, conferenceSidOf, useTenants } from './seed.js';

const start = Date.UTC(2026, 10, 26, 14);
const DAY = 24 * 60 * 60 * 1000;
const PLATFORM = `CF${'ab'.repeat(16)}`;
const OTHER_PLATFORM = `CF${'cd'.repeat(16)}`;
const [RE1, RE2, RE3] = ['1', '2', '3'].map((n) => `RE${n.repeat(32)}`) as [string, string, string];

type List = Record<string, unknown> & { next_page_uri: string | null };

export function platformSuite(shared: TestApp): void {
  describe("The platform's Sid and recordings", () => {
    const t = useTenants(shared);
    let client: RestClient;
    let minted: string;
    let ended: string;
    const base = () => `/2010-04-01/Accounts/${t.account.sid}`;
    const path = (sid: string) => `${base()}/Conferences/${sid}`;

    beforeAll(async () => {
      client = new RestClient(t.app, t.account);
      const clock = new Clock(start);
      const c = commands(clock);
      const reported = <C extends RoomCommand>(command: C, conferenceSid: string): C => ({
        ...command,
        data: { ...command.data, reported: { conferenceSid, at: null } },
      });
      const recording = (
        sid: string,
        conferenceSid: string,
        data: Partial<RecordingReported['data']>,
        at = clock.next(),
      ): RoomCommand => ({
        type: 'ReportRecording',
        ...at,
        data: {
          reported: { conferenceSid, at: null },
          recording: {
            recordingSid: sid,
            callSid: null,
            status: 'in-progress',
            duration: null,
            channels: 1,
            source: 'Conference',
            startTime: new Date(start).toISOString(),
            errorCode: null,
            url: null,
            sequenceNumber: null,
            ...data,
          },
        },
      });
      await apply(t.database, t.account.sid, [
        c.join(callSid(1), 'recorded'),
        c.join(callSid(2), 'recorded'),
      ]);
      await apply(
        t.database,
        t.account.sid,
        [
          reported(c.join(callSid(1), 'recorded', {}, { via: 'callback', sequenceNumber: 1 }), PLATFORM),
          recording(RE1, PLATFORM, { sequenceNumber: 1 }),
          recording(RE1, PLATFORM, { status: 'completed', duration: 31, sequenceNumber: 3 }),
          // A report older than the one applied changes nothing.
          recording(RE1, PLATFORM, { status: 'in-progress', sequenceNumber: 2 }),
          recording(RE2, PLATFORM, { status: 'absent', errorCode: 64123 }),
          recording(
            RE3,
            PLATFORM,
            { status: 'completed', duration: 5 },
            { ...clock.next(), at: new Date(start + DAY).toISOString() },
          ),
        ],
        'recorded',
      );
      minted = await conferenceSidOf(t.database, t.account.sid, 'recorded');
      await apply(t.database, t.account.sid, [
        c.join(callSid(3), 'ended late'),
        c.join(callSid(4), 'ended late'),
        c.leave(callSid(3)),
        c.leave(callSid(4)),
      ]);
      ended = await conferenceSidOf(t.database, t.account.sid, 'ended late');
      await apply(
        t.database,
        t.account.sid,
        [
          c.endConference({
            conferenceSid: OTHER_PLATFORM,
            reason: 'conference-ended-via-api',
            reportedAt: null,
          }),
        ],
        'ended late',
      );
    });

    it('fetches a conference by either Sid, shown by the platform’s everywhere', async () => {
      const byPlatform = await client.json(`${path(PLATFORM)}.json`);
      const byMinted = await client.json(`${path(minted)}.json`);
      expect(byPlatform.status).toBe(200);
      expect(byMinted.body).toEqual(byPlatform.body);
      expect(byPlatform.body).toMatchObject({
        sid: PLATFORM,
        uri: `${path(PLATFORM)}.json`,
        subresource_uris: {
          participants: `${path(PLATFORM)}/Participants.json`,
          recordings: `${path(PLATFORM)}/Recordings.json`,
        },
      });
      const xml = await client.xml(path(minted));
      expect(xml.body.Conference).toEqual(asXml(byPlatform.body));
    });

    it('lists participants and events by either Sid, naming the platform’s Sid', async () => {
      for (const sid of [PLATFORM, minted]) {
        const participants = await client.json<{ participants: Record<string, unknown>[] } & List>(
          `${path(sid)}/Participants.json`,
        );
        expect(participants.body.participants.map((p) => p.conference_sid)).toEqual([PLATFORM, PLATFORM]);
        expect(participants.body.participants[0]?.uri).toMatch(
          new RegExp(`^${path(PLATFORM)}/Participants/CA`),
        );
        const one = await client.json(`${path(sid)}/Participants/${callSid(1)}.json`);
        expect(one.body.conference_sid).toBe(PLATFORM);
        const events = await client.json<{ events: Record<string, unknown>[] } & List>(
          `${path(sid)}/Events.json`,
        );
        expect(events.body.events.map((e) => e.type)).toContain('ConferenceSidReported');
        expect(new Set(events.body.events.map((e) => e.conference_sid))).toEqual(new Set([PLATFORM]));
      }
    });

    it('lists and pages conferences by minted order, shown by the platform’s Sid', async () => {
      const first = await client.json<{ conferences: { sid: string }[] } & List>(
        `${base()}/Conferences.json?PageSize=1`,
      );
      expect(first.body.conferences.map((c) => c.sid)).toEqual([OTHER_PLATFORM]);
      const next = await client.json<{ conferences: { sid: string }[] } & List>(
        first.body.next_page_uri ?? '',
      );
      expect(next.body.conferences.map((c) => c.sid)).toEqual([PLATFORM]);
      // A token built from the Sid a client was shown pages from the same place.
      const shown = await client.json<{ conferences: { sid: string }[] } & List>(
        `${base()}/Conferences.json?PageSize=1&Page=1&PageToken=PA${OTHER_PLATFORM}`,
      );
      expect(shown.body.conferences.map((c) => c.sid)).toEqual([PLATFORM]);
    });

    it('shows the reason of a conference-end that came after Conclave completed the conference', async () => {
      const { body } = await client.json(`${path(ended)}.json`);
      expect(body).toMatchObject({
        sid: OTHER_PLATFORM,
        status: 'completed',
        reason_conference_ended: 'conference-ended-via-api',
        call_sid_ending_conference: null,
      });
      const events = await client.json<{ events: { type: string }[] }>(`${path(OTHER_PLATFORM)}/Events.json`);
      expect(events.body.events.map((e) => e.type).slice(0, 2)).toEqual([
        'ConferenceEndCorrected',
        'ConferenceSidReported',
      ]);
    });

    it('lists a conference’s recordings by either Sid, newest first, with Twilio’s fields', async () => {
      for (const sid of [PLATFORM, minted]) {
        const { status, body } = await client.json<{ recordings: Record<string, unknown>[] } & List>(
          `${path(sid)}/Recordings.json`,
        );
        expect(status).toBe(200);
        expect(body.recordings.map((r) => r.sid)).toEqual([RE3, RE2, RE1]);
        expect(body.recordings[2]).toMatchObject({
          conference_sid: PLATFORM,
          status: 'completed',
          duration: '31',
          channels: 1,
          source: 'Conference',
          error_code: null,
          uri: `${path(PLATFORM)}/Recordings/${RE1}.json`,
        });
        expect(body.recordings[1]).toMatchObject({ status: 'absent', error_code: 64123 });
      }
    });

    it('filters recordings by DateCreated and pages them', async () => {
      const day = new Date(start).toISOString().slice(0, 10);
      const on = await client.json<{ recordings: { sid: string }[] } & List>(
        `${path(PLATFORM)}/Recordings.json?DateCreated=${day}`,
      );
      expect(on.body.recordings.map((r) => r.sid)).toEqual([RE2, RE1]);
      const after = await client.json<{ recordings: { sid: string }[] } & List>(
        `${path(PLATFORM)}/Recordings.json?DateCreated%3E=${new Date(start + DAY).toISOString().slice(0, 10)}`,
      );
      expect(after.body.recordings.map((r) => r.sid)).toEqual([RE3]);
      const until9999 = await client.json<{ recordings: { sid: string }[] } & List>(
        `${path(PLATFORM)}/Recordings.json?DateCreated%3C=9999-12-31`,
      );
      expect(until9999.body.recordings).toHaveLength(3);
      const first = await client.json<{ recordings: { sid: string }[] } & List>(
        `${path(minted)}/Recordings.json?PageSize=2`,
      );
      expect(first.body.next_page_uri).toMatch(new RegExp(`^${path(PLATFORM)}/Recordings.json\\?`));
      const next = await client.json<{ recordings: { sid: string }[] } & List>(
        first.body.next_page_uri ?? '',
      );
      expect(next.body.recordings.map((r) => r.sid)).toEqual([RE1]);
      expect(next.body.next_page_uri).toBeNull();
    });

    it('fetches a recording by either conference Sid, in JSON and XML', async () => {
      const json = await client.json(`${path(PLATFORM)}/Recordings/${RE1}.json`);
      expect(json.body).toMatchObject({ sid: RE1, conference_sid: PLATFORM });
      expect((await client.json(`${path(minted)}/Recordings/${RE1}.json`)).body).toEqual(json.body);
      const xml = await client.xml(`${path(minted)}/Recordings/${RE1}`);
      expect(xml.body.Recording).toEqual(asXml(json.body));
    });

    it('answers an empty page for a conference without recordings, and 404 for what names nothing', async () => {
      const none = await client.json<{ recordings: unknown[] }>(`${path(ended)}/Recordings.json`);
      expect(none.body.recordings).toEqual([]);
      for (const url of [
        `${path(PLATFORM)}/Recordings/not-a-sid.json`,
        `${path(PLATFORM)}/Recordings/${'RE'.padEnd(34, '9')}.json`,
        `${path(ended)}/Recordings/${RE1}.json`,
        `${path('not-a-sid')}/Recordings.json`,
      ]) {
        const { status, body } = await client.json(url);
        expect(status, url).toBe(404);
        expect(body.code).toBe(20404);
      }
    });
  });
}
