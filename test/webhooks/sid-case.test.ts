// Twilio's OpenAPI allows a Sid's hex digits in either case (`^CA[0-9a-fA-F]{32}$`), and Twilio itself
// writes them in lower case. A platform that sends them in upper case names the same calls, conferences
// and recordings: what it reports must be reachable by the URIs, page links and filters Conclave gives.

import { describe, expect, it } from 'vitest';
import { RestClient } from '../api/client.js';
import { logIn } from '../dashboard/helpers.js';
import { useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, newConferenceSid, platformTime, webhookClient } from './client.js';

const upper = (sid: string) => sid.slice(0, 2) + sid.slice(2).toUpperCase();

interface Page<T> {
  next_page_uri: string | null;
  [list: string]: T[] | string | number | null;
}

for (const kind of databaseKinds) {
  describe(`Sids sent in upper case (${kind.name})`, () => {
    const t = useApp(kind);

    it('are stored as Twilio writes them, so URIs, page links and the CallSid filter reach what they name', async () => {
      const hooks = webhookClient(t);
      const rest = new RestClient(t.app, t.account);
      const account = `/2010-04-01/Accounts/${t.account.sid}`;
      const [first, second] = [newCallSid(), newCallSid()];
      const platform = newConferenceSid();
      const room = 'upper case';
      for (const call of [first, second]) expect((await hooks.voice(upper(call), room)).statusCode).toBe(200);
      const joined = await hooks.participant(
        'participant-join',
        room,
        upper(first),
        1,
        {},
        {},
        {
          ConferenceSid: upper(platform),
        },
      );
      expect(joined.statusCode).toBe(204);
      const recordingSid = `RE${newCallSid().slice(2)}`;
      const recorded = await hooks.send({
        path: '/webhooks/recording-status',
        form: {
          AccountSid: t.account.sid,
          ConferenceSid: upper(platform),
          RecordingSid: upper(recordingSid),
          RecordingStatus: 'completed',
          RecordingUrl: `https://api.twilio.com${account}/Recordings/${recordingSid}`,
          RecordingDuration: '4',
          RecordingChannels: '1',
          RecordingSource: 'StartConferenceRecordingAPI',
          RecordingStartTime: platformTime(),
          Timestamp: platformTime(),
        },
        options: { query: { FriendlyName: room } },
      });
      expect(recorded.statusCode).toBe(204);

      const listed = await rest.json<{ conferences: { sid: string; uri: string }[] }>(
        `${account}/Conferences.json?FriendlyName=${encodeURIComponent(room)}`,
      );
      const [conference] = listed.body.conferences;
      expect(conference).toBeDefined();
      // By the platform's Sid, in either case, and by its own URI.
      for (const uri of [
        `${account}/Conferences/${platform}.json`,
        `${account}/Conferences/${upper(platform)}.json`,
        conference?.uri ?? '',
      ]) {
        expect((await rest.json(uri)).status, uri).toBe(200);
      }

      // Every page link answers, and the pages hold each participant once.
      const seen: string[] = [];
      let next: string | null = `${account}/Conferences/${platform}/Participants.json?PageSize=1`;
      while (next !== null) {
        const page: { status: number; body: Page<{ call_sid: string; uri: string }> } = await rest.json(next);
        expect(page.status, next).toBe(200);
        const participants = page.body.participants as { call_sid: string; uri: string }[];
        for (const participant of participants) {
          seen.push(participant.call_sid);
          expect((await rest.json(participant.uri)).status, participant.uri).toBe(200);
        }
        next = page.body.next_page_uri;
      }
      expect(seen.sort()).toEqual([first, second].sort());

      const recordings = await rest.json<{ recordings: { sid: string; uri: string }[] }>(
        `${account}/Conferences/${platform}/Recordings.json`,
      );
      expect(recordings.body.recordings.map((r) => r.sid)).toEqual([recordingSid]);
      expect((await rest.json(recordings.body.recordings[0]?.uri ?? '')).status).toBe(200);

      const byCall = await rest.json<{ conferences: { sid: string }[] }>(
        `${account}/Conferences.json?CallSid=${upper(first)}`,
      );
      expect(byCall.body.conferences.map((c) => c.sid)).toEqual([conference?.sid]);

      // A coach named in upper case coaches the call it names.
      const coach = newCallSid();
      const coaching = await hooks.voice(coach, room, { coach: upper(first) });
      expect(coaching.body).not.toContain('<Hangup');
      const coachRow = await rest.json<{ call_sid_to_coach: string }>(
        `${account}/Conferences/${platform}/Participants/${coach}.json`,
      );
      expect(coachRow.body.call_sid_to_coach).toBe(first);

      // The dashboard: a login, a search and a conference page by Sids in upper case.
      const cookie = await logIn(t.app, { ...t.account, sid: upper(t.account.sid) });
      const found = await t.app.inject({ url: `/?q=${upper(first)}`, headers: { cookie } });
      expect(found.statusCode).toBe(200);
      expect(found.body).toContain(conference?.sid ?? 'a conference');
      const page = await t.app.inject({
        url: `/conferences/${upper(conference?.sid ?? '')}`,
        headers: { cookie },
      });
      expect(page.statusCode).toBe(200);
    });
  });
}
