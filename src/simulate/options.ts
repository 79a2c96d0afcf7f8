// What `conclave simulate` is asked to do, checked before anything is sent.

import { isAuthToken, isSid } from '../domain/ids.js';

export interface SimulationOptions {
  /** Where requests go, e.g. http://127.0.0.1:3000. */
  url: string;
  /** What the server checks signatures against (its PUBLIC_URL), when requests reach it by another URL. */
  publicUrl: string;
  accountSid: string;
  authToken: string;
  rooms: number;
  /** Callers per room and per conference instance. */
  callers: number;
  /** Seconds over which each room's calls are spread; 0 sends as fast as the server answers. */
  duration: number;
}

export const DEFAULTS = { rooms: 3, callers: 4, duration: 10 };

type Values = Record<string, string | boolean | undefined>;

export class OptionError extends Error {}

function text(values: Values, name: string, fallback?: string): string {
  const value = values[name];
  if (typeof value === 'string' && value !== '') return value;
  if (fallback !== undefined && fallback !== '') return fallback;
  throw new OptionError(`--${name} is required`);
}

function numeric(values: Values, name: string, fallback: number, max: number, whole: boolean): number {
  const value = values[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  const min = whole ? 1 : 0;
  // Digits only for a whole number: 1e3 or 0x10 are numbers to JavaScript, not to whoever reads the help.
  const written = whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (typeof value !== 'string' || !written.test(value) || !(n >= min && n <= max)) {
    throw new OptionError(`--${name} takes ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

function httpUrl(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new OptionError(`--${name} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OptionError(`--${name} must be an http(s) URL`);
  }
  // Said without the URL, which would show the password; requests prove themselves by their signature.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new OptionError(`--${name} must not carry a user name or password: requests are signed instead`);
  }
  return value.replace(/\/+$/, '');
}

/** Where the server is and whom to sign as, when the command line does not say (see target.ts). */
export interface Defaults {
  url: string;
  publicUrl?: string;
  accountSid?: string;
  authToken?: string;
}

/** Reads the options; what they leave out comes from `defaults`, found from the server's own settings. */
export function simulationOptions(values: Values, defaults: Defaults): SimulationOptions {
  const url = httpUrl('url', text(values, 'url', defaults.url));
  // A value the command line did not give came from the environment (or the development account file).
  const from = (option: string, variable: string) =>
    values[option] === undefined ? variable : `--${option}`;
  const accountSid = text(values, 'account', defaults.accountSid);
  if (!isSid('AC', accountSid)) {
    throw new OptionError(
      `${from('account', 'TWILIO_ACCOUNT_SID')} must be AC followed by 32 hexadecimal digits`,
    );
  }
  const authToken = text(values, 'token', defaults.authToken);
  if (!isAuthToken(authToken)) {
    throw new OptionError(`${from('token', 'TWILIO_AUTH_TOKEN')} must be 32 hexadecimal digits`);
  }
  return {
    url,
    publicUrl: httpUrl(
      'public-url',
      text(values, 'public-url', values.url === undefined ? (defaults.publicUrl ?? url) : url),
    ),
    accountSid,
    authToken,
    rooms: numeric(values, 'rooms', DEFAULTS.rooms, 10_000, true),
    callers: numeric(values, 'callers', DEFAULTS.callers, 250, true),
    duration: numeric(values, 'duration', DEFAULTS.duration, 3600, false),
  };
}
