// Conclave's extension: the event history of a conference, from the event log itself, paged like the
// lists Twilio defines. Twilio keeps no such history behind its REST API.

import type { FastifyInstance } from 'fastify';
import type { Reads } from '../reads/index.js';
import { conferenceListRoute } from './conference-lists.js';
import { invalidParameter } from './errors.js';
import { eventIdOf, eventJson, eventSid } from './representation-json.js';
import { eventSchema } from './representation-schemas.js';
import type { Names } from './respond.js';

const NAMES: Names = { list: 'events', item: 'Event', schema: eventSchema };

function parseEventSid(name: string, value: string): string {
  const id = eventIdOf(value);
  if (id === undefined) throw invalidParameter(name, 'expected EV followed by 32 hexadecimal digits');
  return id;
}

export function eventRoutes(app: FastifyInstance, reads: Reads): void {
  conferenceListRoute(app, reads, {
    segment: 'Events',
    names: NAMES,
    parseKey: parseEventSid,
    filters: (_query, conference, shown) => ({
      params: [],
      read: (paging) => reads.conferenceEvents(conference.accountSid, conference.sid, paging),
      render: (event) => eventJson(conference.accountSid, shown, event),
    }),
    keyOf: (event) => eventSid(event.id),
  });
}
