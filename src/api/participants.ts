// Participants of a conference: by default those connected now, as Twilio shows them; with a Status,
// Conclave's history of everyone who took part. A participant is fetched by CallSid or by label.

import type { FastifyInstance } from 'fastify';
import { isSid } from '../domain/ids.js';
import { type ParticipantKey, type Reads, shownSid } from '../reads/index.js';
import { conferenceListRoute } from './conference-lists.js';
import { conferenceOf } from './conferences.js';
import { notFound } from './errors.js';
import { participantFilters, participantStatus } from './filters.js';
import { formatOf, pathOf, withoutSuffix } from './format.js';
import { parseSid, QueryParams } from './parameters.js';
import { participantJson } from './representation-json.js';
import { participantSchema } from './representation-schemas.js';
import { type Names, sendResource } from './respond.js';
import { readOnly } from './routes.js';

const NAMES: Names = { list: 'participants', item: 'Participant', schema: participantSchema };

/** The CallSid or label a path names; null for a label no participant can have (PostgreSQL text cannot
 * hold NUL, and webhooks refuse one), which the database would refuse to compare. */
function participantKey(segment: string): ParticipantKey | null {
  if (isSid('CA', segment)) return { callSid: parseSid('CallSid', 'CA', segment) };
  return segment.includes('\u0000') ? null : { label: segment };
}

export function participantRoutes(app: FastifyInstance, reads: Reads): void {
  conferenceListRoute(app, reads, {
    segment: 'Participants',
    names: NAMES,
    parseKey: (name, key) => parseSid(name, 'CA', key),
    filters(query, conference, shown) {
      const { filter, params, history } = participantFilters(query);
      return {
        params,
        read: (paging) => reads.participants(conference.accountSid, conference.sid, filter, paging),
        render: (participant, suffix) => participantJson(participant, shown, suffix, history),
      };
    },
    keyOf: (participant) => participant.callSid,
  });

  readOnly<{ AccountSid: string; ConferenceSid: string; CallSid: string }>(
    app,
    ['/Accounts/:AccountSid/Conferences/:ConferenceSid/Participants/:CallSid'],
    NAMES.schema,
    async (request, reply) => {
      const format = formatOf(request.url);
      const { AccountSid, ConferenceSid, CallSid } = request.params;
      const { status, history } = participantStatus(new QueryParams(request.url));
      const conference = await conferenceOf(reads, AccountSid, ConferenceSid, request.url);
      const key = participantKey(withoutSuffix(CallSid));
      const participant = key && (await reads.participant(AccountSid, conference.sid, key, status));
      if (!participant) throw notFound(pathOf(request.url));
      return sendResource(reply, format, NAMES, participant, (item, suffix) =>
        participantJson(item, shownSid(conference), suffix, history),
      );
    },
  );
}
