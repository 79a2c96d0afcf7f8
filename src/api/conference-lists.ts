// The lists under a conference (Participants, Recordings, Events): the conference found by either of its
// Sids, the page read under the minted one, and the links and items naming the Sid shown.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Conference, type Page, type Reads, shownSid } from '../reads/index.js';
import type { XmlObject } from '../xml.js';
import { conferenceOf } from './conferences.js';
import { formatOf } from './format.js';
import { type EchoedParams, type Paging, parsePaging, unknownPageToken } from './paging.js';
import { QueryParams } from './parameters.js';
import { conferencePath } from './representation-json.js';
import { pageSchema } from './representation-schemas.js';
import { type Names, sendPage } from './respond.js';
import { readOnly, withSuffixes } from './routes.js';

export interface ConferenceList<T> {
  /** The list's path segment under the conference, e.g. `Recordings`. */
  segment: string;
  names: Names;
  /** Checks the key inside a page token (see parsePaging). */
  parseKey: (name: string, key: string) => string;
  /**
   * Reads the request's filters for `conference`: the parameters for the page URIs, the page they select
   * and how an item is rendered, naming the conference by `shown`.
   */
  filters(
    query: QueryParams,
    conference: Conference,
    shown: string,
  ): {
    params: EchoedParams;
    read(paging: Paging): Promise<Page<T> | undefined>;
    render(item: T, suffix: string): XmlObject;
  };
  keyOf(item: T): string;
}

type ListRequest = FastifyRequest<{ Params: { AccountSid: string; ConferenceSid: string } }>;

export function conferenceListRoute<T>(app: FastifyInstance, reads: Reads, list: ConferenceList<T>): void {
  readOnly(
    app,
    withSuffixes(`/Accounts/:AccountSid/Conferences/:ConferenceSid/${list.segment}`),
    pageSchema(list.names.list, list.names.schema),
    async (request: ListRequest, reply: FastifyReply) => {
      const { AccountSid, ConferenceSid } = request.params;
      const conference = await conferenceOf(reads, AccountSid, ConferenceSid, request.url);
      const query = new QueryParams(request.url);
      const shown = shownSid(conference);
      const { params, read, render } = list.filters(query, conference, shown);
      const paging = parsePaging(query, list.parseKey);
      const page = await read(paging);
      if (!page) throw unknownPageToken();
      return sendPage(
        reply,
        formatOf(request.url),
        list.names,
        {
          path: `${conferencePath(AccountSid, shown)}/${list.segment}`,
          filters: params,
          paging,
          page,
          keyOf: list.keyOf,
        },
        render,
      );
    },
  );
}
