// Recordings of a conference, as the platform reported them through the recording status callback: the
// list (filters DateCreated, DateCreated<, DateCreated>; paging) and the fetch, by either conference Sid.

import type { FastifyInstance } from 'fastify';
import { isSid } from '../domain/ids.js';
import { type Reads, shownSid } from '../reads/index.js';
import { conferenceListRoute } from './conference-lists.js';
import { conferenceOf } from './conferences.js';
import { notFound } from './errors.js';
import { recordingFilters } from './filters.js';
import { formatOf, pathOf, withoutSuffix } from './format.js';
import { parseSid } from './parameters.js';
import { recordingJson } from './representation-json.js';
import { recordingSchema } from './representation-schemas.js';
import { type Names, sendResource } from './respond.js';
import { readOnly } from './routes.js';

const NAMES: Names = { list: 'recordings', item: 'Recording', schema: recordingSchema };

export function recordingRoutes(app: FastifyInstance, reads: Reads): void {
  conferenceListRoute(app, reads, {
    segment: 'Recordings',
    names: NAMES,
    parseKey: (name, key) => parseSid(name, 'RE', key),
    filters(query, conference, shown) {
      const { filter, params } = recordingFilters(query);
      return {
        params,
        read: (paging) => reads.recordings(conference.accountSid, conference.sid, filter.created, paging),
        render: (recording, suffix) => recordingJson(recording, shown, suffix),
      };
    },
    keyOf: (recording) => recording.sid,
  });

  readOnly<{ AccountSid: string; ConferenceSid: string; Sid: string }>(
    app,
    ['/Accounts/:AccountSid/Conferences/:ConferenceSid/Recordings/:Sid'],
    NAMES.schema,
    async (request, reply) => {
      const format = formatOf(request.url);
      const { AccountSid, ConferenceSid } = request.params;
      const conference = await conferenceOf(reads, AccountSid, ConferenceSid, request.url);
      const sid = withoutSuffix(request.params.Sid);
      const recording = isSid('RE', sid)
        ? await reads.recording(AccountSid, conference.sid, parseSid('Sid', 'RE', sid))
        : undefined;
      if (!recording) throw notFound(pathOf(request.url));
      return sendResource(reply, format, NAMES, recording, (item, suffix) =>
        recordingJson(item, shownSid(conference), suffix),
      );
    },
  );
}
