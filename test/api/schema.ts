// Validation of JSON bodies against Twilio's OpenAPI subset, read from the shared reference (never copied
// into the repository). Two readings of the spec are needed to validate what Twilio itself sends, as the
// spec's own examples show:
// - the list URIs are relative (`/2010-04-01/…`), which the SDKs depend on, though typed `format: uri`;
// - every property is nullable, but the enum properties are bare `$ref`s that cannot carry `nullable`,
//   so `reason_conference_ended: null` would fail. They are made nullable here.
// - a property with `nullable` and no type at all (the recording's `encryption_details`) may be anything;
//   ajv refuses such a schema, so it is read as the empty schema.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { expect } from 'vitest';

const SPEC_PATH = fileURLToPath(
  new URL('../../../shared/reference/twilio-oai-conference-subset.json', import.meta.url),
);

type Json = { [key: string]: unknown };

export const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Json & {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, { properties?: Record<string, Json> }> };
};

function nullableRefs(schemas: typeof spec.components.schemas): void {
  for (const schema of Object.values(schemas)) {
    const properties = schema.properties ?? {};
    for (const [name, property] of Object.entries(properties)) {
      if (typeof property.$ref === 'string' && Object.keys(property).length === 1) {
        properties[name] = { anyOf: [property, { type: 'null' }] };
      } else if (property.nullable === true && property.type === undefined && property.$ref === undefined) {
        properties[name] = {};
      }
    }
  }
}
nullableRefs(spec.components.schemas);

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS: under NodeNext its function is the default export's default.
formats.default(ajv);
ajv.addFormat('uri', /^\/2010-04-01\/[^\s]*$/);
ajv.addFormat(
  'date-time-rfc-2822',
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/,
);
ajv.addFormat('uri-map', true);
ajv.addFormat('currency', /^[A-Z]{3}$/);
ajv.addSchema(spec, 'oai');

export const PATHS = {
  conferences: '/2010-04-01/Accounts/{AccountSid}/Conferences.json',
  conference: '/2010-04-01/Accounts/{AccountSid}/Conferences/{Sid}.json',
  participants: '/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json',
  participant: '/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants/{CallSid}.json',
  recordings: '/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings.json',
  recording: '/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings/{Sid}.json',
} as const;
export type Resource = keyof typeof PATHS;

function pointer(path: string): string {
  return `oai#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema`;
}

const validators = Object.fromEntries(
  Object.entries(PATHS).map(([resource, path]) => {
    const validate = ajv.getSchema(pointer(path));
    if (!validate) throw new Error(`no schema for ${path}`);
    return [resource, validate];
  }),
) as Record<Resource, ValidateFunction>;

export function responseSchema(resource: Resource): Json {
  return validators[resource].schema as Json;
}

/** The fields Twilio's schema gives a resource. */
export function fieldsOf(component: 'conference' | 'participant' | 'recording'): string[] {
  const name = {
    conference: 'api.v2010.account.conference',
    participant: 'api.v2010.account.conference.participant',
    recording: 'api.v2010.account.conference.conference_recording',
  }[component];
  return Object.keys(spec.components.schemas[name]?.properties ?? {}).sort();
}

export function expectSchemaValid(resource: Resource, body: unknown): void {
  const validate = validators[resource];
  const valid = validate(body);
  expect(valid ? [] : validate.errors, `${resource} body against Twilio's schema`).toEqual([]);
}
