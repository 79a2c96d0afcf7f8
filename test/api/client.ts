// Requests to the REST side through inject(), as an account. Every JSON body that comes back is checked:
// 200s against Twilio's schema with exactly Twilio's fields (plus the documented extensions), errors
// against Twilio's error shape. XML comes back parsed by fast-xml-parser.

import { XMLParser } from 'fast-xml-parser';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { expectSchemaValid, fieldsOf, type Resource, responseSchema } from './schema.js';

export interface Credentials {
  sid: string;
  authToken: string;
}

export function basic({ sid, authToken }: Credentials): string {
  return `Basic ${Buffer.from(`${sid}:${authToken}`).toString('base64')}`;
}

type Body = Record<string, unknown>;

export interface JsonResponse<T = Body> {
  status: number;
  headers: Record<string, unknown>;
  body: T;
}

const HISTORY_FIELDS = ['date_left', 'left_reason'];
const EVENT_FIELDS = ['account_sid', 'call_sid', 'conference_sid', 'data', 'date_created', 'sid', 'type'];

interface Shape {
  schema: Resource;
  /** The key of the records in a list; none for a single resource. */
  list?: string;
  fields: string[];
}

function shapeOf(url: string): Shape {
  const [path = '', query = ''] = url.split('?');
  const participant = [
    ...fieldsOf('participant'),
    ...(new URLSearchParams(query).has('Status') ? HISTORY_FIELDS : []),
  ];
  if (/\/Conferences\.json$/.test(path))
    return { schema: 'conferences', list: 'conferences', fields: fieldsOf('conference') };
  if (/\/Conferences\/[^/]+\.json$/.test(path))
    return { schema: 'conference', fields: fieldsOf('conference') };
  if (/\/Participants\.json$/.test(path))
    return { schema: 'participants', list: 'participants', fields: participant };
  if (/\/Participants\/[^/]+\.json$/.test(path)) return { schema: 'participant', fields: participant };
  if (/\/Recordings\.json$/.test(path))
    return { schema: 'recordings', list: 'recordings', fields: fieldsOf('recording') };
  if (/\/Recordings\/[^/]+\.json$/.test(path)) return { schema: 'recording', fields: fieldsOf('recording') };
  // Conclave's extension has no Twilio schema; its envelope is Twilio's list envelope.
  if (/\/Events\.json$/.test(path)) return { schema: 'conferences', list: 'events', fields: EVENT_FIELDS };
  throw new Error(`no JSON resource at ${path}`);
}

function expectFields(item: unknown, fields: string[]): void {
  expect(Object.keys(item as Body).sort()).toEqual([...fields].sort());
}

function envelopeFields(list: string): string[] {
  const properties = Object.keys((responseSchema('conferences').properties ?? {}) as Body);
  return [...properties.filter((name) => name !== 'conferences'), list];
}

/** The checks every JSON body of the tests goes through. */
export function expectValidJson(url: string, status: number, body: Body): void {
  if (status !== 200) {
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'more_info', 'status']);
    expect(body.status).toBe(status);
    expect(body.more_info).toBe(`https://www.twilio.com/docs/errors/${body.code}`);
    return;
  }
  const shape = shapeOf(url);
  expectSchemaValid(shape.schema, body);
  if (shape.list === undefined) {
    expectFields(body, shape.fields);
  } else {
    expectFields(body, envelopeFields(shape.list));
    for (const item of body[shape.list] as Body[]) expectFields(item, shape.fields);
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (_name, jpath) =>
    /^TwilioResponse\.(Conferences\.Conference|Participants\.Participant|Events\.Event|Recordings\.Recording)$/.test(
      String(jpath),
    ),
});

export function parseXml(xml: string): Body {
  return parser.parse(xml) as Body;
}

export class RestClient {
  constructor(
    private readonly app: FastifyInstance,
    private readonly credentials: Credentials | null,
  ) {}

  as(credentials: Credentials | null): RestClient {
    return new RestClient(this.app, credentials);
  }

  async request(method: string, url: string, headers: Record<string, string> = {}) {
    return this.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(this.credentials ? { authorization: basic(this.credentials) } : {}), ...headers },
    });
  }

  async json<T = Body>(url: string): Promise<JsonResponse<T>> {
    const response = await this.request('GET', url);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json() as Body;
    expectValidJson(url, response.statusCode, body);
    return { status: response.statusCode, headers: response.headers, body: body as T };
  }

  async xml(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: Body }> {
    const response = await this.request('GET', url);
    expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
    const document = parseXml(response.body);
    return { status: response.statusCode, headers: response.headers, body: document.TwilioResponse as Body };
  }
}

/** What the XML of a JSON resource must hold: PascalCase elements, strings throughout, no `.json`. */
export function asXml(value: unknown): unknown {
  if (value === null) return '';
  if (Array.isArray(value)) return value.map(asXml);
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Body).map(([key, inner]) => [
        key.replace(/(^|_)([a-z])/g, (_m, _s, letter: string) => letter.toUpperCase()),
        asXml(inner),
      ]),
    );
  }
  if (typeof value === 'string' && value.startsWith('/2010-04-01/'))
    return value.replace(/\.json(?=\?|$)/, '');
  return String(value);
}

/** The attributes a list element must carry for a JSON list envelope. */
export function asXmlAttributes(envelope: Body, list: string): Body {
  return Object.fromEntries(
    Object.entries(envelope)
      .filter(([key]) => key !== list)
      .map(([key, value]) => [`@${key.replace(/_/g, '')}`, asXml(value)]),
  );
}
