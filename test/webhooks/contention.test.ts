// Contention is told apart from an outage. A webhook that cannot get its room's lock in time is answered
// 503 like an outage (the platform retries), but its body names the lock timeout, the log says "lock
// contention" and /metrics counts it under its own cause: the fault suite reads the body and fails the run
// on any such answer, so a lock-ordering regression cannot pass as a database that was briefly away.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { unavailableCause } from '../../src/store/errors.js';
import { useApp } from '../helpers/app.js';
import { postgresKind } from '../helpers/databases.js';
import { newCallSid, webhookClient } from './client.js';

describe('the cause of a 503', () => {
  it('is read from the SQLSTATE: deadlock and lock timeout apart from the database being away', () => {
    const failure = (code: string) => Object.assign(new Error('failed'), { code });
    expect(unavailableCause(failure('40P01'))).toBe('deadlock');
    expect(unavailableCause(failure('55P03'))).toBe('lock-timeout');
    expect(unavailableCause(failure('57P01'))).toBe('outage');
    expect(unavailableCause(failure('ECONNREFUSED'))).toBe('outage');
    expect(unavailableCause(failure('28P01'))).toBe('outage');
    expect(unavailableCause(failure('3D000'))).toBe('outage');
    expect(unavailableCause(failure('55000'))).toBeNull();
    expect(unavailableCause(failure('23505'))).toBeNull();
  });
});

describe.skipIf(!postgresKind)('a webhook that cannot get its lock', () => {
  const t = useApp(postgresKind as NonNullable<typeof postgresKind>);

  it('answers 503 naming the lock timeout, and /metrics counts it apart from outages', async () => {
    const client = webhookClient(t);
    const room = 'contended room';
    expect((await client.voice(newCallSid(), room)).statusCode).toBe(200);
    const other = await t.database.openReplica(1);
    try {
      // Another session holds the room's row for longer than a webhook waits for it (5 s).
      const answer = await other.db.transaction().execute(async (trx) => {
        await sql`SELECT 1 FROM rooms WHERE account_sid = ${t.account.sid} AND friendly_name = ${room} FOR UPDATE`.execute(
          trx,
        );
        return client.voice(newCallSid(), room);
      });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.body).toBe('Service unavailable: lock wait timed out (55P03), try again shortly');
    } finally {
      await other.close();
    }
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('conclave_unavailable_total{cause="lock-timeout"} 1');
    expect(metrics).not.toContain('cause="outage"');
  }, 20_000);
});
