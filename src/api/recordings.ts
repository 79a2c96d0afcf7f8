// Recordings of a conference, as the platform reported them through the recording status callback: the
// list (filters DateCreated, DateCreated<, DateCreated>; paging) and the fetch, by either conference Sid.

import type { FastifyInstance } from 'fastify';
import { isSid } from '../domain/ids.js';
import { type Reads, shownSid } from '../reads/index.js';
import { conferenceOf } from './conferences.js';
import { notFound } from './errors.js';
import { recordingFilters } from './filters.js';
import { formatOf, pathOf, withoutSuffix } from './format.js';
import { parsePaging, unknownPageToken } from './paging.js';
import { parseSid, Query } from './parameters.js';
import { conferencePath, recordingJson } from './representation-json.js';
import { type Names, sendPage, sendResource } from './respond.js';
import { readOnly, withSuffixes } from './routes.js';

const NAMES: Names = { list: 'recordings', item: 'Recording' };

export function recordingRoutes(app: FastifyInstance, reads: Reads): void {
  readOnly<{ AccountSid: string; ConferenceSid: string }>(
    app,
    withSuffixes('/Accounts/:AccountSid/Conferences/:ConferenceSid/Recordings'),
    async (request, reply) => {
      const format = formatOf(request.url);
      const { AccountSid, ConferenceSid } = request.params;
      const conference = await conferenceOf(reads, AccountSid, ConferenceSid, request.url);
      const query = new Query(request.url);
      const { filter, params } = recordingFilters(query);
      const paging = parsePaging(query, (name, key) => parseSid(name, 'RE', key));
      const page = await reads.recordings(AccountSid, conference.sid, filter.created, paging);
      if (!page) throw unknownPageToken();
      const shown = shownSid(conference);
      return sendPage(
        reply,
        format,
        NAMES,
        {
          path: `${conferencePath(AccountSid, shown)}/Recordings`,
          filters: params,
          paging,
          page,
          keyOf: (recording) => recording.sid,
        },
        (recording, suffix) => recordingJson(recording, shown, suffix),
      );
    },
  );

  readOnly<{ AccountSid: string; ConferenceSid: string; Sid: string }>(
    app,
    ['/Accounts/:AccountSid/Conferences/:ConferenceSid/Recordings/:Sid'],
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
