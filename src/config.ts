// The environment, validated in one place. A bad value stops the process with one line that names the
// variable, what is wrong with the value and what is accepted.

import { isIP } from 'node:net';
import { DEFAULT_CALLBACK_CONCURRENCY } from './commands/callbacks/deliverer.js';
import { redactUrlLike } from './domain/callbacks.js';
import { canonicalSid, isAuthToken, isSid } from './domain/ids.js';
import type { DatabaseTarget } from './store/database.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  host: string;
  database: DatabaseTarget;
  /** The account to create or update at start, if one is configured. */
  account: { sid: string; authToken: string } | null;
  /** The base URL the telephony edge uses to reach Conclave, without a trailing slash. */
  publicUrl: string;
  logLevel: LogLevel;
  /** Seconds after which a participant still connected is taken to have lost its leave (the reaper). */
  maxCallDuration: number;
  limits: Limits;
  /** When set, /metrics answers only requests that carry it as a bearer token. */
  metricsToken: string | null;
  /** Seconds a callback to the app is retried before it is recorded as failed (CALLBACK_RETRY_FOR). */
  callbackRetryFor: number;
  /** Callbacks one process sends at once, each to a different conference (CALLBACK_CONCURRENCY). */
  callbackConcurrency: number;
  /** Seconds a conference's callbacks wait for the platform to report its Sid (CALLBACK_SID_WAIT; 0: off). */
  callbackSidWait: number;
  /** Failed logins, and failed Basic auth, allowed per client address in each window before 429s. */
  failedAuth: { max: number; windowMs: number };
  /** Fastify's trustProxy: whose X-Forwarded-For decides the client address the limits count by. */
  trustProxy: boolean | string;
}

/** What one client may hold of the server, each a setting (README, Security). */
export interface Limits {
  /** Seconds a client has to send a whole request, headers and body; past it the server answers 408. */
  requestTimeout: number;
  /** Connections open at once; more are closed as they come. */
  maxConnections: number;
  liveFeedsPerSession: number;
  liveFeedsPerAccount: number;
  /** How many events of the log a live feed may resume behind the head; a browser further behind gets a
   * fresh page instead of the history. */
  liveResumeEvents: number;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 3000;
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new ConfigError('PORT', `is '${value}': expected a whole number from 0 to 65535`);
  }
  return Number(value);
}

/** `value` as a URL, or the setting's error; `problem` must not repeat a value that may hold a secret. */
function parseUrl(name: string, value: string, problem: string): URL {
  if (!URL.canParse(value)) throw new ConfigError(name, problem);
  return new URL(value);
}

function parseDatabase(env: Env): DatabaseTarget {
  const url = optional(env, 'DATABASE_URL');
  if (url === undefined) return { kind: 'pglite', dataDir: optional(env, 'DATA_DIR') ?? './data' };
  const parsed = parseUrl(
    'DATABASE_URL',
    url,
    'is not a URL: expected postgres://user:password@host:port/database',
  );
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      'DATABASE_URL',
      `has scheme '${parsed.protocol}': expected postgres://user:password@host:port/database`,
    );
  }
  return { kind: 'postgres', url };
}

function parseAccount(env: Env): Config['account'] {
  const sid = optional(env, 'TWILIO_ACCOUNT_SID');
  const authToken = optional(env, 'TWILIO_AUTH_TOKEN');
  if (sid === undefined && authToken === undefined) return null;
  if (sid === undefined)
    throw new ConfigError('TWILIO_ACCOUNT_SID', 'is unset: it is required with TWILIO_AUTH_TOKEN');
  if (authToken === undefined) {
    throw new ConfigError('TWILIO_AUTH_TOKEN', 'is unset: it is required with TWILIO_ACCOUNT_SID');
  }
  if (!isSid('AC', sid)) {
    throw new ConfigError('TWILIO_ACCOUNT_SID', `is '${sid}': expected AC followed by 32 hexadecimal digits`);
  }
  // The token is a secret: the message describes it without repeating it.
  if (!isAuthToken(authToken)) {
    throw new ConfigError(
      'TWILIO_AUTH_TOKEN',
      `has ${authToken.length} characters: expected 32 hexadecimal digits`,
    );
  }
  return { sid: canonicalSid(sid), authToken };
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An address to listen on: an IPv4 or IPv6 address, or a host name (not digits and dots, which would be a bad address). */
function parseHost(value: string | undefined): string {
  if (value === undefined) return '127.0.0.1';
  if (isIP(value) !== 0 || (HOST_NAME.test(value) && !/^[\d.]+$/.test(value))) return value;
  throw new ConfigError(
    'HOST',
    `is '${value}': expected an address to listen on, such as 127.0.0.1, 0.0.0.0, :: or localhost`,
  );
}

function parsePublicUrl(value: string | undefined, host: string, port: number): string {
  if (value === undefined) return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Said without the value, which would show the password: webhooks prove themselves by their signature
  // over the URL, and a password here would only be printed and put in every TwiML answer.
  if (URL.canParse(value) && (new URL(value).username || new URL(value).password)) {
    throw new ConfigError(
      'PUBLIC_URL',
      'carries a user name or password: expected the URL alone, such as https://conclave.example.com',
    );
  }
  const shown = redactUrlLike(value);
  const parsed = parseUrl(
    'PUBLIC_URL',
    value,
    `is '${shown}': expected an http(s) URL such as https://conclave.example.com`,
  );
  // The text as given, not the parsed URL, is what TwiML and signatures use: it must be what the parser
  // reads, without the `?`, `#` or blanks it drops or trims, nor a scheme without `//` that it mends.
  if (
    (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
    !/^https?:\/\//i.test(value) ||
    /[?#\s\\]/.test(value)
  ) {
    throw new ConfigError(
      'PUBLIC_URL',
      `is '${shown}': expected an http(s) URL such as https://conclave.example.com, with no query, fragment or blank`,
    );
  }
  return value.replace(/\/+$/, '');
}

function parseLogLevel(value: string | undefined): LogLevel {
  if (value === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('LOG_LEVEL', `is '${value}': expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevel;
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };
/** Twilio's longest call: no participant can really stay connected longer. */
const DEFAULT_MAX_CALL_DURATION = 4 * 3600;
/** A week: anything longer would keep a lost leave's conference live for no reason a call could give. */
const LONGEST_MAX_CALL_DURATION = 7 * 24 * 3600;

function durationSeconds(value: string): number {
  const match = /^(\d+)([smh]?)$/.exec(value);
  return match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? 1) : Number.NaN;
}

interface Range {
  fallback: number;
  min: number;
  max: number;
  /** How the range reads in a message, e.g. "from 1 second to 7 days". */
  described: string;
  example: string;
}

function parseDuration(name: string, value: string | undefined, range: Range): number {
  if (value === undefined) return range.fallback;
  const seconds = durationSeconds(value);
  if (!(seconds >= range.min && seconds <= range.max)) {
    throw new ConfigError(
      name,
      `is '${value}': expected a duration ${range.described}, in seconds or with a unit, such as ${range.example}`,
    );
  }
  return seconds;
}

function parseCount(env: Env, name: string, fallback: number, [min, max]: [number, number]): number {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new ConfigError(name, `is '${value}': expected a whole number from ${min} to ${max}`);
  }
  return n;
}

// Defaults: long enough for any honest client on a slow link (a webhook form is a few hundred bytes), short
// enough that a client sending a byte now and then holds a socket for seconds, not for ever.
function parseLimits(env: Env): Limits {
  return {
    requestTimeout: parseDuration('REQUEST_TIMEOUT', optional(env, 'REQUEST_TIMEOUT'), {
      fallback: 10,
      min: 1,
      max: 300,
      described: 'from 1 second to 5 minutes',
      example: '10 or 10s',
    }),
    maxConnections: parseCount(env, 'MAX_CONNECTIONS', 1000, [10, 1_000_000]),
    liveFeedsPerSession: parseCount(env, 'LIVE_FEEDS_PER_SESSION', 8, [1, 1000]),
    liveFeedsPerAccount: parseCount(env, 'LIVE_FEEDS_PER_ACCOUNT', 50, [1, 100_000]),
    liveResumeEvents: parseCount(env, 'LIVE_RESUME_EVENTS', 10_000, [0, 1_000_000]),
  };
}

function parseMetricsToken(value: string | undefined): string | null {
  if (value === undefined) return null;
  // A secret: the message describes it without repeating it.
  if (!/^[\x21-\x7e]{16,512}$/.test(value)) {
    throw new ConfigError(
      'METRICS_TOKEN',
      `has ${value.length} characters: expected 16 to 512 printable characters without spaces`,
    );
  }
  return value;
}

/** A day: Twilio's own callbacks are not retried at all; a day covers an app's outage over a night. */
const DEFAULT_CALLBACK_RETRY_FOR = 24 * 3600;
/** A month: beyond it, a conference's later callbacks would wait behind one that will never land. */
const LONGEST_CALLBACK_RETRY_FOR = 30 * 86_400;

function parseFailedAuth(limit: string | undefined, window: string | undefined): Config['failedAuth'] {
  const max = limit === undefined ? 10 : /^\d{1,6}$/.test(limit) ? Number(limit) : Number.NaN;
  if (!(max >= 1)) {
    throw new ConfigError(
      'FAILED_AUTH_LIMIT',
      `is '${limit}': expected a whole number from 1 to 999999, such as 10`,
    );
  }
  const windowSeconds = window === undefined ? 15 * 60 : durationSeconds(window);
  if (!(windowSeconds >= 1 && windowSeconds <= 24 * 3600)) {
    throw new ConfigError(
      'FAILED_AUTH_WINDOW',
      `is '${window}': expected a duration from 1 second to 24 hours, such as 900 or 15m`,
    );
  }
  return { max, windowMs: windowSeconds * 1000 };
}

/** An IPv4 or IPv6 address, alone or with a prefix length in its range (or, for IPv4, a netmask). */
function isAddressOrRange(value: string): boolean {
  const [address = '', prefix, ...more] = value.split('/');
  const version = isIP(address);
  if (version === 0 || more.length > 0) return false;
  if (prefix === undefined) return true;
  if (version === 4 && isIP(prefix) === 4) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function parseTrustProxy(value: string | undefined): Config['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (value.split(',').every((entry) => isAddressOrRange(entry.trim()))) return value;
  throw new ConfigError(
    'TRUST_PROXY',
    `is '${value}': expected true, false, or the proxies' addresses such as 10.0.0.0/8,127.0.0.1`,
  );
}

/**
 * Only where the database is (DATABASE_URL, DATA_DIR): what a command that works on the database alone
 * reads, so that a setting only the server uses (PORT, say) cannot stop it.
 */
export function loadDatabaseTarget(env: Env = process.env): DatabaseTarget {
  return parseDatabase(env);
}

/** Only MAX_CALL_DURATION, for the reaper run by hand. */
export function loadMaxCallDuration(env: Env = process.env): number {
  return parseDuration('MAX_CALL_DURATION', optional(env, 'MAX_CALL_DURATION'), {
    fallback: DEFAULT_MAX_CALL_DURATION,
    min: 1,
    max: LONGEST_MAX_CALL_DURATION,
    described: 'from 1 second to 7 days',
    example: '14400 or 4h',
  });
}

/** Only CALLBACK_SID_WAIT, for the callbacks the command lists. */
export function loadCallbackSidWait(env: Env = process.env): number {
  return parseDuration('CALLBACK_SID_WAIT', optional(env, 'CALLBACK_SID_WAIT'), {
    fallback: 0,
    min: 0,
    max: 60,
    described: 'from 0 (no wait) to 60 seconds',
    example: '5 or 5s',
  });
}

export function loadConfig(env: Env = process.env): Config {
  const port = parsePort(optional(env, 'PORT'));
  const host = parseHost(optional(env, 'HOST'));
  return {
    port,
    host,
    database: parseDatabase(env),
    account: parseAccount(env),
    publicUrl: parsePublicUrl(optional(env, 'PUBLIC_URL'), host, port),
    logLevel: parseLogLevel(optional(env, 'LOG_LEVEL')),
    maxCallDuration: loadMaxCallDuration(env),
    limits: parseLimits(env),
    metricsToken: parseMetricsToken(optional(env, 'METRICS_TOKEN')),
    callbackRetryFor: parseDuration('CALLBACK_RETRY_FOR', optional(env, 'CALLBACK_RETRY_FOR'), {
      fallback: DEFAULT_CALLBACK_RETRY_FOR,
      min: 1,
      max: LONGEST_CALLBACK_RETRY_FOR,
      described: 'from 1 second to 30 days',
      example: '86400 or 24h',
    }),
    callbackConcurrency: parseCount(env, 'CALLBACK_CONCURRENCY', DEFAULT_CALLBACK_CONCURRENCY, [1, 1000]),
    callbackSidWait: loadCallbackSidWait(env),
    failedAuth: parseFailedAuth(optional(env, 'FAILED_AUTH_LIMIT'), optional(env, 'FAILED_AUTH_WINDOW')),
    trustProxy: parseTrustProxy(optional(env, 'TRUST_PROXY')),
  };
}
