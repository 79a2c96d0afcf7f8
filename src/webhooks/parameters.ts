// The parameters of one webhook, read one at a time with the check each needs. A value that fails its check
// is the sender's mistake: a 400 whose plain message names the parameter and what it should have been.

import type { SidPrefix } from '../domain/ids.js';
import { booleanValue, type Check, sidValue, wholeNumber } from '../parameters.js';
import type { FormParams } from '../signature.js';
import { badRequest } from './errors.js';

/** Quotes a value the sender gave, cut short: an error message is no place to echo a whole body. */
function quote(value: string): string {
  const chars = [...value];
  return `'${chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value}'`;
}

// PostgreSQL text cannot hold NUL and XML 1.0 cannot carry the other C0 controls, U+FFFE, U+FFFF or a lone
// surrogate; none of them belongs in a room name, a label or a Sid anyway.
function isCarriable(value: string): boolean {
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) return false;
  }
  return true;
}

const uncarriable = (name: string) => `${name} holds a control character or an invalid code point`;

/** Why parameter `name`'s form value cannot be taken as one value, or null when it can. */
function refusal(name: string, value: string | string[]): string | null {
  if (Array.isArray(value)) return `${name} is given ${value.length} times: expected it once`;
  if (!isCarriable(value)) return uncarriable(name);
  return null;
}

const MAX_NAME_LENGTH = 128;
// What the platform puts in From and To: a number in E.164 (at most 16 characters), client:NAME (NAME at
// most 256 characters: Twilio error 31105) or a SIP URI. Twice the longest documented form leaves room for
// a long SIP URI, and stays well inside what an index entry can hold.
const MAX_ADDRESS_LENGTH = 512;

const NAME: Check<string> = {
  expected: `1 to ${MAX_NAME_LENGTH} characters, not all blank`,
  read: (value) => (value.trim() !== '' && [...value].length <= MAX_NAME_LENGTH ? value : undefined),
};

const ADDRESS: Check<string> = {
  expected: `a number, client or SIP address of at most ${MAX_ADDRESS_LENGTH} characters`,
  read: (value) => ([...value].length <= MAX_ADDRESS_LENGTH ? value : undefined),
};

// Years PostgreSQL's timestamptz reads back as ISO 8601 writes them: it knows no year 0, and ISO writes a
// year past 9999 with a sign and six digits.
const FIRST_YEAR = 1;
const LAST_YEAR = 9999;

const PROVIDER_TIME: Check<string> = {
  expected: `a date and time from year ${FIRST_YEAR} to ${LAST_YEAR} such as Wed, 18 Aug 2010 20:20:06 +0000`,
  read: (value) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return undefined;
    const time = new Date(ms);
    const year = time.getUTCFullYear();
    return year >= FIRST_YEAR && year <= LAST_YEAR ? time.toISOString() : undefined;
  },
};

export class WebhookParams {
  private constructor(private readonly values: FormParams) {}

  /** The query and the form body together; the body wins where both name the same parameter. */
  static of(query: unknown, body: unknown): WebhookParams {
    return new WebhookParams({ ...asForm(query), ...asForm(body) });
  }

  /** The value as sent; an empty optional parameter means absent (see `raw` where empty means something). */
  text(name: string): string | undefined {
    const value = this.raw(name);
    return value === '' ? undefined : value;
  }

  /**
   * As `text`, for words that only add to what the request says: a value `raw` would refuse (sent twice, or
   * holding a control character) is left out instead, so that it cannot cost the fact it came with.
   */
  textIfValid(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' && refusal(name, value) === null && value !== '' ? value : undefined;
  }

  /** The value as sent, empty included. */
  raw(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined) return undefined;
    const refused = refusal(name, value);
    if (refused !== null) throw badRequest(refused);
    return value as string;
  }

  /** A room name or a participant label: 1 to 128 characters, not all blank. */
  name(name: string): string | undefined {
    return this.checked(name, NAME);
  }

  /** A caller or callee: a phone number, client:NAME or a SIP URI, as the platform writes it. */
  address(name: string): string | undefined {
    return this.checked(name, ADDRESS);
  }

  sid(name: string, prefix: SidPrefix): string | undefined {
    return this.checked(name, sidValue(prefix));
  }

  boolean(name: string): boolean | undefined {
    return this.checked(name, booleanValue);
  }

  integer(name: string, min: number, max: number): number | undefined {
    return this.checked(name, wholeNumber(min, max));
  }

  /**
   * The words of a list, space-separated in one value (as TwiML writes it) or repeated (as forms do). A word
   * holding a control character is refused, as `raw` refuses such a value: it could not be stored or told.
   */
  words(name: string): string[] | undefined {
    const value = this.values[name];
    if (value === undefined) return undefined;
    const words = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
    if (!words.every(isCarriable)) throw badRequest(uncarriable(name));
    return words;
  }

  /** A provider time (RFC 2822 in Twilio's callbacks), as ISO 8601. */
  timestamp(name: string): string | undefined {
    return this.checked(name, PROVIDER_TIME);
  }

  /**
   * As `timestamp`, for a time that only dates what the request says: one that does not parse is left out
   * rather than refused, so that an odd format cannot cost the fact it came with.
   */
  timestampIfValid(name: string): string | undefined {
    const value = this.textIfValid(name);
    return value === undefined ? undefined : PROVIDER_TIME.read(value);
  }

  private checked<T>(name: string, check: Check<T>): T | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const result = check.read(value);
    if (result === undefined) throw badRequest(`${name} is ${quote(value)}: expected ${check.expected}`);
    return result;
  }
}

function asForm(value: unknown): FormParams {
  return typeof value === 'object' && value !== null ? (value as FormParams) : {};
}
