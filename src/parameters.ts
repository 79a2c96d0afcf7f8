// The checks a parameter's value must pass, shared by the webhooks and the REST API. Each side reads its
// parameters its own way and reports a failed check in its own shape (plain text or Twilio's error body),
// naming the parameter and saying what was expected.

import { canonicalSid, isSid, type SidPrefix } from './domain/ids.js';

export interface Check<T> {
  /** What a good value looks like, for the error message: "true or false". */
  expected: string;
  /** The value read, or undefined when it is not one. */
  read(value: string): T | undefined;
}

export const booleanValue: Check<boolean> = {
  expected: 'true or false',
  read: (value) => (value === 'true' ? true : value === 'false' ? false : undefined),
};

export function sidValue(prefix: SidPrefix): Check<string> {
  return {
    expected: `${prefix} followed by 32 hexadecimal digits`,
    read: (value) => (isSid(prefix, value) ? canonicalSid(value) : undefined),
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): Check<T> {
  return {
    expected: `one of ${allowed.join(', ')}`,
    read: (value) => ((allowed as readonly string[]).includes(value) ? (value as T) : undefined),
  };
}

/** A whole number from `min` to `max`, in decimal digits only. */
export function wholeNumber(min: number, max: number): Check<number> {
  return {
    expected: `a whole number from ${min} to ${max}`,
    read: (value) => {
      const n = Number(value);
      return /^\d+$/.test(value) && n >= min && n <= max ? n : undefined;
    },
  };
}

/** A name listed one to a line (an account's, an API key's): 1 to 128 characters, no control character. */
export const listedName: Check<string> = {
  expected: '1 to 128 characters, without a control character',
  read: (value) =>
    value.trim() !== '' && [...value].length <= 128 && !/\p{Cc}/u.test(value) ? value : undefined,
};
