// The readings of the spec in schema.ts must accept what Twilio itself sends: every example in the spec.

import { describe, expect, it } from 'vitest';
import { expectSchemaValid, PATHS, spec } from './schema.js';

type Examples = Record<string, { value: unknown }>;

describe("Twilio's OpenAPI subset", () => {
  for (const [resource, path] of Object.entries(PATHS) as [keyof typeof PATHS, string][]) {
    const operation = spec.paths[path]?.get as
      | { responses: { 200: { content: { 'application/json': { examples: Examples } } } } }
      | undefined;
    const examples = operation?.responses[200].content['application/json'].examples ?? {};

    it(`accepts Twilio's own examples of ${resource}`, () => {
      expect(Object.keys(examples).length).toBeGreaterThan(0);
      for (const example of Object.values(examples)) expectSchemaValid(resource, example.value);
    });
  }
});
