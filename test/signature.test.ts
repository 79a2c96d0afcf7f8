import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { computeSignature, isValidSignature, urlSpellings } from '../src/signature.js';

const token = '0123456789abcdef0123456789abcdef';
const url = 'https://conclave.test/webhooks/voice?FriendlyName=R%26D+room&muted=true';
const params = { AccountSid: `AC${'1'.repeat(32)}`, CallSid: `CA${'2'.repeat(32)}`, From: '+15550100' };

describe('request signatures', () => {
  it('reproduces the known vector of the reference', () => {
    const vector = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    const vectorUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(computeSignature('12345', vectorUrl, vector)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(isValidSignature('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', vectorUrl, vector)).toBe(true);
  });

  it('computes what the official twilio package computes, repeated parameters included', () => {
    const withRepeats = { ...params, StatusCallbackEvent: ['leave', 'join', 'leave'] };
    expect(computeSignature(token, url, withRepeats)).toBe(
      twilio.getExpectedTwilioSignature(token, url, withRepeats),
    );
  });

  it('accepts a signature of the official package and rejects a changed parameter, URL or token', () => {
    const signature = twilio.getExpectedTwilioSignature(token, url, params);
    expect(isValidSignature(token, signature, url, params)).toBe(true);
    expect(isValidSignature(token, signature, url, { ...params, From: '+15550101' })).toBe(false);
    expect(isValidSignature(token, signature, url, { ...params, To: '+15550199' })).toBe(false);
    expect(isValidSignature(token, signature, url.replace('muted=true', 'muted=false'), params)).toBe(false);
    expect(isValidSignature(token, signature, url.replace('/voice', '/call-status'), params)).toBe(false);
    expect(isValidSignature(`${token.slice(1)}0`, signature, url, params)).toBe(false);
    expect(isValidSignature(token, undefined, url, params)).toBe(false);
    expect(isValidSignature(token, '', url, params)).toBe(false);
  });

  it("accepts the URL spellings twilio's validator accepts, and agrees with it on each", () => {
    const received = 'https://conclave.test/webhooks/voice?FriendlyName=O%27Brien';
    const spellings = [
      'https://conclave.test:443/webhooks/voice?FriendlyName=O%27Brien',
      "https://conclave.test/webhooks/voice?FriendlyName=O'Brien",
    ];
    for (const signedUrl of spellings) {
      const signature = twilio.getExpectedTwilioSignature(token, signedUrl, params);
      expect(isValidSignature(token, signature, received, params)).toBe(true);
    }
    const signedWithPort = twilio.getExpectedTwilioSignature(token, 'http://127.0.0.1:80/webhooks/voice', {});
    expect(isValidSignature(token, signedWithPort, 'http://127.0.0.1/webhooks/voice', {})).toBe(true);
    expect(twilio.validateRequest(token, signedWithPort, 'http://127.0.0.1/webhooks/voice', {})).toBe(true);
    const otherPort = twilio.getExpectedTwilioSignature(token, 'http://127.0.0.1:8080/webhooks/voice', {});
    expect(isValidSignature(token, otherPort, 'http://127.0.0.1:3000/webhooks/voice', {})).toBe(false);
  });

  it('lists each spelling once, the received one first', () => {
    const spellings = urlSpellings('https://conclave.test/webhooks/voice');
    expect(spellings[0]).toBe('https://conclave.test/webhooks/voice');
    expect(spellings).toContain('https://conclave.test:443/webhooks/voice');
    expect(new Set(spellings).size).toBe(spellings.length);
    expect(urlSpellings('https://[::1]:8443/webhooks/voice')).toContain('https://[::1]/webhooks/voice');
  });

  // isValidSignature tries the URL as received before working out the others, which is only sound if
  // it is always one of them: otherwise it would accept a spelling the list does not.
  it('always lists the URL as received, whatever its shape', () => {
    for (const url of [
      'https://conclave.test/webhooks/voice',
      'http://127.0.0.1:3000/webhooks/voice?FriendlyName=a%20room',
      'HTTP://Conclave.Test:80/webhooks/voice',
      'https://user:secret@conclave.test/webhooks/voice',
      'https://[::1]:8443/webhooks/voice',
      'https://conclave.test:/webhooks/voice',
      'not a url at all',
    ]) {
      expect(urlSpellings(url)).toContain(url);
    }
  });
});
