// Conclave's extension: the event history of a conference, from the event log itself, paged like the
// lists Twilio defines. Twilio keeps no such history behind its REST API.

import type { FastifyInstance } from 'fastify';
import { type Reads, shownSid } from '../reads/index.js';
import { conferenceOf } from './conferences.js';
import { invalidParameter } from './errors.js';
import { formatOf } from './format.js';
import { parsePaging, unknownPageToken } from './paging.js';
import { Query } from './parameters.js';
import { conferencePath, eventIdOf, eventJson, eventSid } from './representation-json.js';
import { type Names, sendPage } from './respond.js';
import { readOnly, withSuffixes } from './routes.js';

const NAMES: Names = { list: 'events', item: 'Event' };

function parseEventSid(name: string, value: string): string {
  const id = eventIdOf(value);
  if (id === undefined) throw invalidParameter(name, 'expected EV followed by 32 hexadecimal digits');
  return id;
}

export function eventRoutes(app: FastifyInstance, reads: Reads): void {
  readOnly<{ AccountSid: string; ConferenceSid: string }>(
    app,
    withSuffixes('/Accounts/:AccountSid/Conferences/:ConferenceSid/Events'),
    async (request, reply) => {
      const format = formatOf(request.url);
      const { AccountSid, ConferenceSid } = request.params;
      const conference = await conferenceOf(reads, AccountSid, ConferenceSid, request.url);
      const paging = parsePaging(new Query(request.url), parseEventSid);
      const page = await reads.conferenceEvents(AccountSid, conference.sid, paging);
      if (!page) throw unknownPageToken();
      const shown = shownSid(conference);
      return sendPage(
        reply,
        format,
        NAMES,
        {
          path: `${conferencePath(AccountSid, shown)}/Events`,
          filters: [],
          paging,
          page,
          keyOf: (event) => eventSid(event.id),
        },
        (event) => eventJson(AccountSid, shown, event),
      );
    },
  );
}
