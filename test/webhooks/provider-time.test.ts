// A time the platform sends (RFC 2822 in Twilio's callbacks) is stored in a timestamptz column or an event:
// a date JavaScript reads but PostgreSQL cannot hold (year 0, a year past 9999) is the sender's mistake,
// answered 400 naming the parameter, never a 500 that loses the report.

import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, platformTime, webhookClient } from './client.js';
import { countRows } from './read-models.js';

describe.each(databaseKinds)('a provider time out of range on $name', (kind) => {
  const t = useApp(kind);

  const recording = (startTime: string) =>
    webhookClient(t).send({
      path: '/webhooks/recording-status',
      form: {
        AccountSid: t.account.sid,
        RecordingSid: `RE${newCallSid().slice(2)}`,
        RecordingStatus: 'completed',
        RecordingStartTime: startTime,
        Timestamp: platformTime(),
      },
      options: { query: { FriendlyName: 'recorded' } },
    });

  it.each([
    ['a year past 9999', 'Sat, 01 Jan 10000 00:00:00 +0000'],
    ['year 0', '0000-01-01T00:00:00Z'],
  ])('is refused with 400 for %s, recording nothing', async (_, startTime) => {
    expect((await webhookClient(t).voice(newCallSid(), 'recorded')).statusCode).toBe(200);
    const before = await countRows(t, 'events');
    const answer = await recording(startTime);
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain('RecordingStartTime is');
    expect(answer.body).toContain('expected a date and time from year 1 to 9999');
    expect(await countRows(t, 'events')).toBe(before);
  });

  it('takes the first and last days PostgreSQL and ISO 8601 agree on', async () => {
    expect((await webhookClient(t).voice(newCallSid(), 'recorded')).statusCode).toBe(200);
    for (const startTime of ['0001-01-01T00:00:00Z', 'Fri, 31 Dec 9999 23:59:59 +0000'])
      expect((await recording(startTime)).statusCode, startTime).toBe(204);
  });
});
