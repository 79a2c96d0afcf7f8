// Reading query parameters the way Twilio's clients send them: names raw or percent-encoded (the SDK sends
// `DateCreated%3C`, people type `DateCreated<=`), each given at most once, and every bad value answered
// with a 400 that names the parameter.

import type { SidPrefix } from '../domain/ids.js';
import { booleanValue, type Check, oneOf, sidValue, wholeNumber } from '../parameters.js';
import { invalidParameter } from './errors.js';

export class QueryParams {
  private readonly params: URLSearchParams;

  constructor(url: string) {
    const start = url.indexOf('?');
    // URLSearchParams decodes names as well as values, so both spellings of `DateCreated<` meet here.
    this.params = new URLSearchParams(start < 0 ? '' : url.slice(start + 1));
  }

  get(name: string): string | undefined {
    const values = this.params.getAll(name);
    if (values.length > 1) throw invalidParameter(name, 'given more than once');
    // PostgreSQL text cannot hold NUL, so no stored value has one and the database would refuse to compare.
    if (values[0]?.includes('\u0000')) throw invalidParameter(name, 'text without NUL characters');
    return values[0];
  }
}

function checked<T>(name: string, check: Check<T>, value: string): T {
  const result = check.read(value);
  if (result === undefined) throw invalidParameter(name, `expected ${check.expected}`);
  return result;
}

/** A Sid of the given kind, its hex digits in lower case as Conclave stores them. */
export function parseSid(name: string, prefix: SidPrefix, value: string): string {
  return checked(name, sidValue(prefix), value);
}

/** A day as YYYY-MM-DD, read as midnight UTC; returns its time in milliseconds. */
export function parseDay(name: string, value: string): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  // The round trip rejects days that do not exist, such as 2021-02-30; nor is there a year 0.
  if (
    !day ||
    Number.isNaN(day.getTime()) ||
    day.toISOString().slice(0, 10) !== value ||
    day.getUTCFullYear() < 1
  ) {
    throw invalidParameter(name, 'expected a date as YYYY-MM-DD');
  }
  return day.getTime();
}

export function parseBoolean(name: string, value: string): boolean {
  return checked(name, booleanValue, value);
}

export function parseEnum<T extends string>(name: string, allowed: readonly T[], value: string): T {
  return checked(name, oneOf(allowed), value);
}

export function parseInteger(name: string, value: string, min: number, max: number): number {
  return checked(name, wholeNumber(min, max), value);
}
