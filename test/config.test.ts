import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const SID = `AC${'c'.repeat(32)}`;
const TOKEN = 'd'.repeat(32);

describe('configuration from the environment', () => {
  it('has working defaults: embedded database in ./data on 127.0.0.1:3000', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      database: { kind: 'pglite', dataDir: './data' },
      account: null,
      publicUrl: 'http://127.0.0.1:3000',
      logLevel: 'info',
      maxCallDuration: 4 * 3600,
      limits: {
        requestTimeout: 10,
        maxConnections: 1000,
        liveFeedsPerSession: 8,
        liveFeedsPerAccount: 50,
        liveResumeEvents: 10_000,
      },
      metricsToken: null,
      callbackRetryFor: 24 * 3600,
      callbackConcurrency: 64,
      callbackSidWait: 0,
      failedAuth: { max: 10, windowMs: 15 * 60 * 1000 },
      trustProxy: false,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://conclave:secret@db:5432/conclave',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      PUBLIC_URL: 'https://calls.example.com/',
      LOG_LEVEL: 'warn',
      MAX_CALL_DURATION: '2h',
      REQUEST_TIMEOUT: '30s',
      MAX_CONNECTIONS: '500',
      LIVE_FEEDS_PER_SESSION: '3',
      LIVE_FEEDS_PER_ACCOUNT: '20',
      LIVE_RESUME_EVENTS: '500',
      METRICS_TOKEN: 'scrape-me-please-0123',
      CALLBACK_RETRY_FOR: '30m',
      CALLBACK_CONCURRENCY: '8',
      CALLBACK_SID_WAIT: '5s',
      FAILED_AUTH_LIMIT: '5',
      FAILED_AUTH_WINDOW: '1m',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      database: { kind: 'postgres', url: 'postgres://conclave:secret@db:5432/conclave' },
      account: { sid: SID, authToken: TOKEN },
      publicUrl: 'https://calls.example.com',
      logLevel: 'warn',
      maxCallDuration: 7200,
      limits: {
        requestTimeout: 30,
        maxConnections: 500,
        liveFeedsPerSession: 3,
        liveFeedsPerAccount: 20,
        liveResumeEvents: 500,
      },
      metricsToken: 'scrape-me-please-0123',
      callbackRetryFor: 1800,
      callbackConcurrency: 8,
      callbackSidWait: 5,
      failedAuth: { max: 5, windowMs: 60_000 },
      trustProxy: '10.0.0.0/8, 127.0.0.1',
    });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '::1/128, fd00::/8,192.168.1.7' }).trustProxy).toBe(
      '::1/128, fd00::/8,192.168.1.7',
    );
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/255.0.0.0' }).trustProxy).toBe('10.0.0.0/255.0.0.0');
    for (const host of ['0.0.0.0', '::', '::1', 'localhost', 'conclave.internal'])
      expect(loadConfig({ HOST: host }).host).toBe(host);
    expect(loadConfig({ HOST: '::1', PORT: '8080' }).publicUrl).toBe('http://[::1]:8080');
    // Twilio writes Sids in lower case, and the webhooks and the REST API look them up so.
    const upper = loadConfig({ TWILIO_ACCOUNT_SID: SID.toUpperCase(), TWILIO_AUTH_TOKEN: TOKEN });
    expect(upper.account).toEqual({ sid: SID, authToken: TOKEN });
    expect(loadConfig({ DATA_DIR: '/var/lib/conclave' }).database).toEqual({
      kind: 'pglite',
      dataDir: '/var/lib/conclave',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT is 'eighty': expected a whole number from 0 to 65535$/],
    [{ PORT: '70000' }, /^PORT .*0 to 65535/],
    [{ FAILED_AUTH_LIMIT: '0' }, /^FAILED_AUTH_LIMIT is '0': expected a whole number from 1 to 999999/],
    [
      { FAILED_AUTH_LIMIT: '9999999' },
      /^FAILED_AUTH_LIMIT is '9999999': expected a whole number from 1 to 999999/,
    ],
    [{ FAILED_AUTH_WINDOW: '2d' }, /^FAILED_AUTH_WINDOW is '2d': expected a duration/],
    [{ CALLBACK_SID_WAIT: '2m' }, /^CALLBACK_SID_WAIT is '2m': expected a duration from 0 \(no wait\) to 60/],
    [{ TRUST_PROXY: 'yes please' }, /^TRUST_PROXY is 'yes please': expected true, false/],
    [{ TRUST_PROXY: 'abc' }, /^TRUST_PROXY is 'abc': expected true, false/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY is '10.0.0.0\/33': expected/],
    [{ TRUST_PROXY: '127.0.0.1, ::::' }, /^TRUST_PROXY is '127.0.0.1, ::::': expected/],
    [{ TRUST_PROXY: '1.2.3.4/8/8' }, /^TRUST_PROXY is '1.2.3.4\/8\/8': expected/],
    [{ HOST: '999.1.1.1' }, /^HOST is '999.1.1.1': expected an address to listen on/],
    [{ HOST: 'not a host' }, /^HOST is 'not a host': expected an address to listen on/],
    [{ HOST: 'http://0.0.0.0' }, /^HOST is 'http:\/\/0.0.0.0': expected an address to listen on/],
    [{ DATABASE_URL: 'mysql://x@y/z' }, /^DATABASE_URL has scheme 'mysql:': expected postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a URL: expected postgres:\/\//],
    [
      { TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: TOKEN },
      /^TWILIO_ACCOUNT_SID is 'AC123': expected AC followed by 32/,
    ],
    [{ TWILIO_ACCOUNT_SID: SID }, /^TWILIO_AUTH_TOKEN is unset: it is required with TWILIO_ACCOUNT_SID$/],
    [{ TWILIO_AUTH_TOKEN: TOKEN }, /^TWILIO_ACCOUNT_SID is unset/],
    [
      { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'short-secret' },
      /^TWILIO_AUTH_TOKEN has 12 characters: expected 32 hexadecimal digits$/,
    ],
    [{ PUBLIC_URL: 'ftp://example.com' }, /^PUBLIC_URL is 'ftp:\/\/example.com': expected an http\(s\) URL/],
    [{ PUBLIC_URL: 'https://example.com/?a=1' }, /^PUBLIC_URL .*no query, fragment or blank/],
    [{ PUBLIC_URL: 'http://127.0.0.1:4790?' }, /^PUBLIC_URL .*no query, fragment or blank/],
    [{ PUBLIC_URL: 'https://example.com#' }, /^PUBLIC_URL .*no query, fragment or blank/],
    [{ PUBLIC_URL: ' https://example.com' }, /^PUBLIC_URL .*no query, fragment or blank/],
    [{ PUBLIC_URL: 'https:example.com' }, /^PUBLIC_URL .*no query, fragment or blank/],
    [{ PUBLIC_URL: 'https:\\\\example.com' }, /^PUBLIC_URL .*no query, fragment or blank/],
    [
      { PUBLIC_URL: 'https://admin:S3cret@example.com#x' },
      /^PUBLIC_URL carries a user name or password: expected the URL alone, such as https:\/\/conclave.example.com$/,
    ],
    // Its scheme left out, the URL reads as one of scheme `admin:`, with no password to find: masked all the same.
    [
      { PUBLIC_URL: 'admin:S3cret@example.com' },
      /^PUBLIC_URL is 'admin:\*\*\*@example.com': expected an http\(s\) URL/,
    ],
    [
      { LOG_LEVEL: 'loud' },
      /^LOG_LEVEL is 'loud': expected one of fatal, error, warn, info, debug, trace, silent$/,
    ],
    [{ REQUEST_TIMEOUT: '0' }, /^REQUEST_TIMEOUT is '0': expected a duration from 1 second to 5 minutes/],
    [{ REQUEST_TIMEOUT: '1h' }, /^REQUEST_TIMEOUT is '1h': expected a duration/],
    [{ MAX_CONNECTIONS: 'lots' }, /^MAX_CONNECTIONS is 'lots': expected a whole number from 10/],
    [{ LIVE_FEEDS_PER_SESSION: '0' }, /^LIVE_FEEDS_PER_SESSION is '0': expected a whole number from 1/],
    [{ LIVE_FEEDS_PER_ACCOUNT: '-1' }, /^LIVE_FEEDS_PER_ACCOUNT is '-1': expected a whole number/],
    [
      { LIVE_RESUME_EVENTS: '1e3' },
      /^LIVE_RESUME_EVENTS is '1e3': expected a whole number from 0 to 1000000/,
    ],
    [{ METRICS_TOKEN: 'short secret' }, /^METRICS_TOKEN has 12 characters: expected 16 to 512 printable/],
    [{ MAX_CALL_DURATION: 'forever' }, /^MAX_CALL_DURATION is 'forever': expected a duration from 1 second/],
    [{ MAX_CALL_DURATION: '0' }, /^MAX_CALL_DURATION is '0': expected a duration/],
    [{ MAX_CALL_DURATION: '8d' }, /^MAX_CALL_DURATION is '8d': expected a duration/],
    [{ MAX_CALL_DURATION: '-5m' }, /^MAX_CALL_DURATION is '-5m': expected a duration/],
    [{ MAX_CALL_DURATION: '169h' }, /^MAX_CALL_DURATION is '169h': expected a duration/],
    [{ CALLBACK_RETRY_FOR: 'a day' }, /^CALLBACK_RETRY_FOR is 'a day': expected a duration from 1 second/],
    [{ CALLBACK_RETRY_FOR: '0' }, /^CALLBACK_RETRY_FOR is '0': expected a duration/],
    [{ CALLBACK_RETRY_FOR: '721h' }, /^CALLBACK_RETRY_FOR is '721h': expected a duration .* 30 days/],
    [{ CALLBACK_CONCURRENCY: '0' }, /^CALLBACK_CONCURRENCY is '0': expected a whole number from 1 to 1000$/],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    ['14400', 14400],
    ['90s', 90],
    ['45m', 2700],
    ['4h', 14400],
    ['168h', 7 * 24 * 3600],
  ])('reads MAX_CALL_DURATION %s as %i seconds', (value, seconds) => {
    expect(loadConfig({ MAX_CALL_DURATION: value }).maxCallDuration).toBe(seconds);
  });

  it('never repeats a bad auth token in its message', () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'hunter2-is-my-token' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
