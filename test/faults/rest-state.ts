// What Conclave's REST API answers about an account's rooms, read as a client would: the conferences of
// each room, and for each its event history (Events.json), its participants and those who have left
// (Status=complete). The fault suite compares this, not the database, with what the edge was told.

import type { FastifyInstance } from 'fastify';

export interface RestEvent {
  sid: string;
  call_sid: string | null;
  type: string;
  data: Record<string, unknown>;
}

export interface RestParticipant {
  call_sid: string;
  status: string;
  muted: boolean;
  hold: boolean;
  coaching: boolean;
}

export interface RestConference {
  sid: string;
  friendly_name: string;
  status: string;
  /** Oldest first. */
  events: RestEvent[];
  participants: RestParticipant[];
}

export interface RestReader {
  app: FastifyInstance;
  accountSid: string;
  authToken: string;
}

async function get(reader: RestReader, url: string): Promise<Record<string, unknown>> {
  const authorization = `Basic ${Buffer.from(`${reader.accountSid}:${reader.authToken}`).toString('base64')}`;
  const response = await reader.app.inject({ method: 'GET', url, headers: { authorization } });
  if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** Every item of a list, page after page. */
async function all<T>(reader: RestReader, path: string, key: string): Promise<T[]> {
  const items: T[] = [];
  let url: string | null = `/2010-04-01/Accounts/${reader.accountSid}/${path}`;
  while (url !== null) {
    const page = await get(reader, url);
    items.push(...(page[key] as T[]));
    url = (page.next_page_uri as string | null) ?? null;
  }
  return items;
}

export async function readRooms(reader: RestReader, rooms: Iterable<string>): Promise<RestConference[]> {
  const found: RestConference[] = [];
  for (const room of rooms) {
    const name = encodeURIComponent(room);
    const conferences = await all<{ sid: string; friendly_name: string; status: string }>(
      reader,
      `Conferences.json?FriendlyName=${name}&PageSize=1000`,
      'conferences',
    );
    for (const conference of conferences) {
      const base = `Conferences/${conference.sid}`;
      const events = await all<RestEvent>(reader, `${base}/Events.json?PageSize=1000`, 'events');
      const participants = [
        ...(await all<RestParticipant>(reader, `${base}/Participants.json?PageSize=1000`, 'participants')),
        ...(await all<RestParticipant>(
          reader,
          `${base}/Participants.json?Status=complete&PageSize=1000`,
          'participants',
        )),
      ];
      found.push({ ...conference, events: events.reverse(), participants });
    }
  }
  return found;
}
