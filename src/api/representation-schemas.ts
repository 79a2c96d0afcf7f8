// The JSON representations as response schemas, so that Fastify writes them with fast-json-stringify,
// compiled once per route, instead of JSON.stringify walking each object. The schema decides the output:
// properties come in the order listed here, which is the order representation-json.ts builds them in
// (and Twilio sends them in); a property the object does not have is left out, as JSON.stringify leaves
// out an undefined one; a property missing from the schema would be dropped, which the REST tests, which
// compare whole bodies, would notice. Strings are escaped as JSON.stringify escapes them, except those
// typed `generated` below.

type Schema = Record<string, unknown>;

const string = { type: 'string' };
// A string Conclave writes itself (dates, constants, statuses, URIs built of Sids) or stores only as a
// Sid (a fixed prefix and 32 hexadecimal digits: every account, conference and call Sid is checked so where
// it comes in, from configuration, the CLI or a webhook): nothing in it needs escaping, so
// fast-json-stringify's check of each character, half the cost of writing a page of conferences, is
// skipped. It writes the value as given, without coercion, so only fields that always hold a string are
// typed so; whatever a client or the platform chose freely (names, labels, reasons, regions) stays a
// `string`.
const generated = { type: 'string', format: 'unsafe' };
const nullableString = { type: ['string', 'null'] };
const boolean = { type: 'boolean' };
const integer = { type: 'integer' };
const alwaysNull = { type: 'null' };

const object = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties });

export const conferenceSchema = object({
  account_sid: generated,
  api_version: generated,
  call_sid_ending_conference: nullableString,
  date_created: generated,
  date_updated: generated,
  friendly_name: string,
  reason_conference_ended: nullableString,
  region: string,
  sid: generated,
  status: generated,
  subresource_uris: object({ participants: generated, recordings: generated }),
  uri: generated,
});

export const participantSchema = object({
  account_sid: generated,
  call_sid: generated,
  call_sid_to_coach: nullableString,
  coaching: boolean,
  conference_sid: generated,
  date_created: generated,
  date_updated: generated,
  end_conference_on_exit: boolean,
  hold: boolean,
  label: nullableString,
  muted: boolean,
  queue_time: alwaysNull,
  start_conference_on_enter: boolean,
  status: generated,
  uri: generated,
  // Only in the answers to Conclave's Status extension.
  date_left: nullableString,
  left_reason: nullableString,
});

export const recordingSchema = object({
  account_sid: string,
  api_version: string,
  call_sid: nullableString,
  conference_sid: string,
  date_created: string,
  date_updated: string,
  start_time: nullableString,
  duration: nullableString,
  sid: string,
  price: alwaysNull,
  price_unit: alwaysNull,
  status: string,
  channels: integer,
  source: string,
  error_code: { type: ['integer', 'null'] },
  encryption_details: alwaysNull,
  uri: string,
});

export const eventSchema = object({
  sid: string,
  account_sid: string,
  conference_sid: string,
  call_sid: nullableString,
  type: string,
  date_created: string,
  // What the event recorded, whatever its shape: written by JSON.stringify.
  data: {},
});

/** A page of `list` (`conferences`, …) in Twilio's envelope, in the order paging.ts builds it. */
export function pageSchema(list: string, item: Schema): Schema {
  return object({
    [list]: { type: 'array', items: item },
    first_page_uri: string,
    next_page_uri: nullableString,
    previous_page_uri: nullableString,
    uri: string,
    page: integer,
    page_size: integer,
    start: integer,
    end: integer,
  });
}
