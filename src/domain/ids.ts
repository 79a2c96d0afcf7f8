// Sid formats and the mapping from ULIDs to Sids. A Sid is a two-letter prefix and 32 hex digits; a ULID
// is 128 bits in Crockford base32, so it maps onto a Sid without loss and keeps its time order.

export type SidPrefix = 'AC' | 'CA' | 'CF' | 'EV' | 'RE' | 'SK';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const HEX_32 = /^[0-9a-fA-F]{32}$/;
const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function isSid(prefix: SidPrefix, value: string): boolean {
  return value.length === 34 && value.startsWith(prefix) && HEX_32.test(value.slice(2));
}

/**
 * `sid` (which `isSid` accepts) as Twilio writes it, its hex digits in lower case: Conclave stores and
 * looks Sids up so, and a Sid sent in upper case names the same account, call, conference or recording.
 */
export function canonicalSid(sid: string): string {
  return sid.slice(0, 2) + sid.slice(2).toLowerCase();
}

export function isUlid(value: string): boolean {
  return ULID_PATTERN.test(value);
}

function ulidToBigInt(ulid: string): bigint {
  if (!isUlid(ulid)) throw new RangeError(`not a ULID: ${ulid}`);
  let n = 0n;
  for (const ch of ulid) n = n * 32n + BigInt(CROCKFORD.indexOf(ch));
  return n;
}

function bigIntToUlid(n: bigint): string {
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD.charAt(Number(n % 32n)) + out;
    n /= 32n;
  }
  return out;
}

/** The hex digits of a ULID, lowercase, 32 of them. */
export function ulidToHex(ulid: string): string {
  return ulidToBigInt(ulid).toString(16).padStart(32, '0');
}

/** The ULID behind 32 hex digits (either case), as `ulidToHex` made them. */
export function hexToUlid(hex: string): string {
  if (!HEX_32.test(hex)) throw new RangeError(`not 32 hex digits: ${hex}`);
  return bigIntToUlid(BigInt(`0x${hex}`));
}

/** Twilio's auth tokens are 32 hex digits. */
export function isAuthToken(value: string): boolean {
  return HEX_32.test(value);
}

// The last ten characters of a ULID: 50 bits, which a double holds exactly.
const LOW_CHARACTERS = 10;
const LOW_LIMIT = 2 ** (5 * LOW_CHARACTERS);

/**
 * The ULID `steps` after `ulid`: how one command's ids are spread over the events it produces. It is
 * worked out a few times per webhook; the sum of the low characters and `steps` stays a double's exact
 * integer, which costs a tenth of the same sum in BigInt. It carries into the others only when the random
 * low bits are within `steps` of 2^50, which BigInt then handles.
 */
export function nextUlid(ulid: string, steps = 1): string {
  if (!isUlid(ulid)) throw new RangeError(`not a ULID: ${ulid}`);
  if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`not a count of steps: ${steps}`);
  const split = ulid.length - LOW_CHARACTERS;
  let low = steps;
  for (let i = split, scale = LOW_LIMIT / 32; i < ulid.length; i++, scale /= 32) {
    low += CROCKFORD.indexOf(ulid.charAt(i)) * scale;
  }
  if (low >= LOW_LIMIT) return bigIntToUlid(ulidToBigInt(ulid) + BigInt(steps));
  let out = '';
  for (let i = 0; i < LOW_CHARACTERS; i++) {
    out = CROCKFORD.charAt(low % 32) + out;
    low = Math.floor(low / 32);
  }
  return ulid.slice(0, split) + out;
}

/** The lowest conference Sid whose ULID carries a time at or after `ms`: a bound for ranges of Sids. */
export function conferenceSidLowerBound(ms: number): string {
  return `CF${(BigInt(ms) << 80n).toString(16).padStart(32, '0')}`;
}

export function conferenceSidFromUlid(ulid: string): string {
  return `CF${ulidToHex(ulid)}`;
}
