// Conferences: the list with Twilio's filters (and Conclave's CallSid and PhoneNumber), and the fetch.

import type { FastifyInstance } from 'fastify';
import { isSid } from '../domain/ids.js';
import type { Conference, Reads } from '../reads/index.js';
import { notFound } from './errors.js';
import { conferenceFilters } from './filters.js';
import { formatOf, pathOf, withoutSuffix } from './format.js';
import { parsePaging } from './paging.js';
import { parseSid, QueryParams } from './parameters.js';
import { accountPath, conferenceJson } from './representation-json.js';
import { conferenceSchema, pageSchema } from './representation-schemas.js';
import { type Names, sendPage, sendResource } from './respond.js';
import { readOnly, withSuffixes } from './routes.js';

const NAMES: Names = { list: 'conferences', item: 'Conference', schema: conferenceSchema };

const parseConferenceSid = (name: string, value: string) => parseSid(name, 'CF', value);

/**
 * The conference a path segment names by either of its Sids, or the 404 Twilio gives for it: a segment
 * that is not a Sid at all names nothing either.
 */
export async function conferenceOf(
  reads: Reads,
  accountSid: string,
  segment: string,
  url: string,
): Promise<Conference> {
  const conference = isSid('CF', segment)
    ? await reads.conference(accountSid, parseConferenceSid('ConferenceSid', segment))
    : undefined;
  if (!conference) throw notFound(pathOf(url));
  return conference;
}

export function conferenceRoutes(app: FastifyInstance, reads: Reads): void {
  readOnly<{ AccountSid: string }>(
    app,
    withSuffixes('/Accounts/:AccountSid/Conferences'),
    pageSchema(NAMES.list, NAMES.schema),
    async (request, reply) => {
      const format = formatOf(request.url);
      const { AccountSid } = request.params;
      const query = new QueryParams(request.url);
      const { filter, params } = conferenceFilters(query);
      const paging = parsePaging(query, parseConferenceSid);
      const page = await reads.conferences(AccountSid, filter, paging);
      return sendPage(
        reply,
        format,
        NAMES,
        {
          path: `${accountPath(AccountSid)}/Conferences`,
          filters: params,
          paging,
          page,
          keyOf: (c) => c.sid,
        },
        conferenceJson,
      );
    },
  );

  readOnly<{ AccountSid: string; Sid: string }>(
    app,
    ['/Accounts/:AccountSid/Conferences/:Sid'],
    NAMES.schema,
    async (request, reply) => {
      const format = formatOf(request.url);
      const { AccountSid, Sid } = request.params;
      const conference = await conferenceOf(reads, AccountSid, withoutSuffix(Sid), request.url);
      return sendResource(reply, format, NAMES, conference, conferenceJson);
    },
  );
}
