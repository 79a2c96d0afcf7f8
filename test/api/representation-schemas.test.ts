// The response schemas decide what the JSON answers hold and in which order: whatever they are given, they
// must write exactly what JSON.stringify writes of the representation, byte for byte (key order, nulls,
// numbers, escapes), or Twilio's clients would see a different answer.

import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  conferenceJson,
  eventJson,
  participantJson,
  recordingJson,
} from '../../src/api/representation-json.js';
import {
  conferenceSchema,
  eventSchema,
  pageSchema,
  participantSchema,
  recordingSchema,
} from '../../src/api/representation-schemas.js';
import type { XmlObject } from '../../src/xml.js';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const MINTED = `CF${'2'.repeat(32)}`;
const CREATED = new Date('2026-11-29T08:00:00.123Z');
const UPDATED = new Date('2026-11-29T09:30:05Z');
// Characters JSON must escape, a lone surrogate, and text beyond ASCII, long and short.
const AWKWARD = ['room "7" \\ back\nslash\u0001', 'x\uD800', 'Zürich 会議室 🎧'.repeat(5), ''];

async function written(schema: Record<string, unknown>, body: XmlObject): Promise<string> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: schema } } }, async () => body);
  const response = await app.inject('/');
  await app.close();
  return response.body;
}

function conference(name: string, ended: boolean) {
  return {
    accountSid: ACCOUNT,
    sid: MINTED,
    friendlyName: name,
    status: ended ? ('completed' as const) : ('in-progress' as const),
    region: ended ? null : 'ie1',
    dateCreated: CREATED,
    dateUpdated: UPDATED,
    reasonConferenceEnded: ended ? 'last-participant-left' : null,
    callSidEndingConference: ended ? `CA${'3'.repeat(32)}` : null,
    platformSid: ended ? `CF${'4'.repeat(32)}` : null,
  };
}

function participant(label: string | null, left: boolean) {
  return {
    accountSid: ACCOUNT,
    conferenceSid: MINTED,
    callSid: `CA${'5'.repeat(32)}`,
    label,
    status: left ? ('complete' as const) : ('connected' as const),
    muted: true,
    hold: false,
    coaching: left,
    callSidToCoach: left ? `CA${'6'.repeat(32)}` : null,
    startConferenceOnEnter: true,
    endConferenceOnExit: false,
    dateCreated: CREATED,
    dateUpdated: UPDATED,
    dateLeft: left ? UPDATED : null,
    leftReason: left ? 'participant_hung_up' : null,
  };
}

function recording(reported: boolean) {
  return {
    accountSid: ACCOUNT,
    sid: `RE${'7'.repeat(32)}`,
    conferenceSid: MINTED,
    callSid: reported ? `CA${'5'.repeat(32)}` : null,
    status: reported ? 'completed' : 'in-progress',
    duration: reported ? '42' : null,
    channels: reported ? '2' : null,
    source: reported ? 'StartConferenceRecordingAPI' : null,
    startTime: reported ? CREATED : null,
    errorCode: reported ? '16104' : null,
    dateCreated: CREATED,
    dateUpdated: UPDATED,
  };
}

describe('JSON answers written by the response schemas', () => {
  it('write conferences as JSON.stringify does, alone and in a page', async () => {
    for (const [i, name] of AWKWARD.entries()) {
      const item = conferenceJson(conference(name, i % 2 === 0), '.json');
      expect(await written(conferenceSchema, item)).toBe(JSON.stringify(item));
    }
    const page = {
      conferences: AWKWARD.map((name, i) => conferenceJson(conference(name, i % 2 === 1), '.json')),
      first_page_uri: `/2010-04-01/Accounts/${ACCOUNT}/Conferences.json?FriendlyName=a%22b&PageSize=50&Page=0`,
      next_page_uri: null,
      previous_page_uri: `/2010-04-01/Accounts/${ACCOUNT}/Conferences.json?PageSize=50&Page=0&PageToken=PB${MINTED}`,
      uri: `/2010-04-01/Accounts/${ACCOUNT}/Conferences.json?PageSize=50&Page=1`,
      page: 1,
      page_size: 50,
      start: 50,
      end: 53,
    };
    expect(await written(pageSchema('conferences', conferenceSchema), page)).toBe(JSON.stringify(page));
    const empty = { ...page, conferences: [], previous_page_uri: null, start: 0, end: 0 };
    expect(await written(pageSchema('conferences', conferenceSchema), empty)).toBe(JSON.stringify(empty));
  });

  it('write participants with and without their history as JSON.stringify does', async () => {
    for (const label of [...AWKWARD, null]) {
      for (const history of [false, true]) {
        const item = participantJson(participant(label, history), MINTED, '.json', history);
        expect(await written(participantSchema, item)).toBe(JSON.stringify(item));
      }
    }
  });

  it('write recordings, reported in full or not, as JSON.stringify does', async () => {
    for (const reported of [false, true]) {
      const item = recordingJson(recording(reported), MINTED, '.json');
      expect(await written(recordingSchema, item)).toBe(JSON.stringify(item));
    }
  });

  it('write events, whatever their data holds, as JSON.stringify does', async () => {
    const data = {
      conferenceSid: MINTED,
      callSid: `CA${'5'.repeat(32)}`,
      friendlyName: AWKWARD[0],
      nested: { list: [1, 2.5, null, true, AWKWARD[1]], empty: {} },
      at: '2026-11-29T08:00:00.123Z',
    };
    for (const stored of [data, { ...data, callSid: undefined }, null]) {
      const item = eventJson(ACCOUNT, MINTED, {
        id: '01JDQ0000000000000000000AA',
        type: 'ParticipantJoined',
        data: stored,
        recordedAt: CREATED,
      } as never);
      expect(await written(eventSchema, item)).toBe(JSON.stringify(item));
    }
  });
});
