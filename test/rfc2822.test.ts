import { describe, expect, it } from 'vitest';
import { rfc2822 } from '../src/rfc2822.js';

describe('rfc2822', () => {
  it("writes Twilio's form: day, date, month, year, UTC time in whole seconds, +0000", () => {
    // The example in Twilio's REST API reference.
    expect(rfc2822(new Date('2010-08-18T20:20:06.789Z'))).toBe('Wed, 18 Aug 2010 20:20:06 +0000');
  });

  it('pads single digits and names every weekday and month', () => {
    expect(rfc2822(new Date('2024-02-29T00:00:00Z'))).toBe('Thu, 29 Feb 2024 00:00:00 +0000');
    expect(rfc2822(new Date('1999-12-31T23:59:59.999Z'))).toBe('Fri, 31 Dec 1999 23:59:59 +0000');
    expect(rfc2822(new Date('2026-01-04T05:06:07Z'))).toBe('Sun, 04 Jan 2026 05:06:07 +0000');
  });

  it("agrees with the runtime's UTC form for dates across the range conferences use", () => {
    for (let ms = Date.UTC(1970, 0, 1); ms < Date.UTC(2100, 0, 1); ms += 86_399_937 * 17) {
      const date = new Date(ms);
      expect(rfc2822(date)).toBe(date.toUTCString().replace('GMT', '+0000'));
    }
  });

  it('keeps the UTC form for years outside four digits', () => {
    const beyond = [Date.UTC(10_000, 0, 1), Date.UTC(999, 11, 31, 23, 59, 59), Date.UTC(-44, 2, 15)];
    for (const ms of beyond) {
      const date = new Date(ms);
      expect(rfc2822(date)).toBe(date.toUTCString().replace('GMT', '+0000'));
    }
  });
});
