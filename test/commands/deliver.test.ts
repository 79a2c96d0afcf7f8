import { describe, expect, it } from 'vitest';
import { deliver as runDelivery } from '../../src/commands/deliver.js';
import { rebuild } from '../../src/reads/rebuild.js';
import { verify } from '../../src/reads/verify.js';
import { callSid, commands, type RoomCommand } from '../helpers/commands.js';
import { databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { readModels } from '../helpers/read-models.js';

const ACCOUNT = `AC${'a'.repeat(32)}`;

describe.each(databaseKinds)('the webhook transaction on $name', (kind) => {
  async function withDatabase(run: (database: TestDatabase) => Promise<void>) {
    const database = await kind.create();
    try {
      await run(database);
    } finally {
      await database.drop();
    }
  }

  let keys = 0;
  function deliverTo(
    database: TestDatabase,
    command: RoomCommand,
    key = `k${keys++}`,
    room: string | null = null,
  ) {
    return runDelivery(database.db, { accountSid: ACCOUNT, key, command, room });
  }

  async function conferences(database: TestDatabase) {
    return database.db.selectFrom('conferences').selectAll().orderBy('sid').execute();
  }

  it('opens, starts and completes a conference, keeping who was in it', () =>
    withDatabase(async (database) => {
      const c = commands();
      const first = await deliverTo(database, c.join(callSid(1), 'standup'));
      expect(first).toMatchObject({ duplicate: false, outcome: { result: 'joined' } });
      expect((await conferences(database))[0]).toMatchObject({ status: 'init', friendly_name: 'standup' });

      await deliverTo(database, c.join(callSid(2), 'standup', { label: 'host' }));
      expect((await conferences(database))[0]?.status).toBe('in-progress');

      await deliverTo(database, c.update(callSid(2), { muted: true }, 4));
      await deliverTo(database, c.hangUp(callSid(1)));
      await deliverTo(database, c.leave(callSid(2), 'dial-ended'));

      const [conference] = await conferences(database);
      expect(conference).toMatchObject({
        status: 'completed',
        reason_conference_ended: 'last-participant-left',
        call_sid_ending_conference: callSid(2),
      });
      expect(conference?.date_updated.getTime()).toBe(c.clock.now());
      const participants = await database.db
        .selectFrom('participants')
        .select(['call_sid', 'status', 'muted', 'label', 'left_reason'])
        .orderBy('call_sid')
        .execute();
      expect(participants).toEqual([
        { call_sid: callSid(1), status: 'complete', muted: false, label: null, left_reason: 'hung-up' },
        { call_sid: callSid(2), status: 'complete', muted: true, label: 'host', left_reason: 'dial-ended' },
      ]);
    }));

  it('gives the conference a Sid from the ULID of the request that opened it, and a new one after completion', () =>
    withDatabase(async (database) => {
      const c = commands();
      const opening = c.join(callSid(1), 'room');
      const joined = await deliverTo(database, opening);
      await deliverTo(database, c.hangUp(callSid(1)));
      const reopened = await deliverTo(database, c.join(callSid(2), 'room'));
      const sids = (await conferences(database)).map((row) => row.sid);
      expect(sids).toHaveLength(2);
      expect(joined).toMatchObject({ outcome: { conferenceSid: sids[0] } });
      expect(reopened).toMatchObject({ outcome: { conferenceSid: sids[1] } });
      const event = await database.db
        .selectFrom('events')
        .select('id')
        .where('type', '=', 'ConferenceOpened')
        .orderBy('global_position')
        .executeTakeFirstOrThrow();
      expect(event.id).toBe(opening.id);
    }));

  it('answers a redelivery with the first answer and changes nothing', () =>
    withDatabase(async (database) => {
      const c = commands();
      const flow = [
        c.join(callSid(1), 'retry'),
        c.join(callSid(2), 'retry'),
        c.update(callSid(1), { hold: true }, 3),
        c.leave(callSid(1), 'left', 5),
        c.hangUp(callSid(2)),
      ];
      const answers = [];
      for (const [i, command] of flow.entries())
        answers.push(await deliverTo(database, command, `flow-${i}`));
      const before = await readModels(database);
      const eventCount = await database.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      for (const [i, command] of flow.entries()) {
        const again = await deliverTo(database, command, `flow-${i}`);
        expect(again).toEqual({ ...answers[i], duplicate: true });
      }
      // Callbacks redelivered under new keys (a sender without idempotency tokens) are no-ops by the
      // domain rules; a join is not, since a call that left may rightly come back.
      for (const command of flow.slice(2)) await deliverTo(database, command);
      expect(await readModels(database)).toEqual(before);
      const eventCountAfter = await database.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(eventCountAfter.n).toEqual(eventCount.n);
    }));

  it('moves a call that joins another room out of the one it is in', () =>
    withDatabase(async (database) => {
      const c = commands();
      await deliverTo(database, c.join(callSid(1), 'a'));
      await deliverTo(database, c.join(callSid(2), 'a'));
      await deliverTo(database, c.join(callSid(1), 'b'));
      const rows = await database.db
        .selectFrom('participants')
        .select(['conference_sid', 'call_sid', 'status', 'left_reason'])
        .execute();
      const byRoom = await conferences(database);
      const roomA = byRoom.find((r) => r.friendly_name === 'a');
      const roomB = byRoom.find((r) => r.friendly_name === 'b');
      expect(rows).toContainEqual({
        conference_sid: roomA?.sid,
        call_sid: callSid(1),
        status: 'complete',
        left_reason: 'moved',
      });
      expect(rows).toContainEqual({
        conference_sid: roomB?.sid,
        call_sid: callSid(1),
        status: 'connected',
        left_reason: null,
      });
      // Its later hang-up is routed to the room it is in now.
      await deliverTo(database, c.hangUp(callSid(1)));
      expect((await conferences(database)).find((r) => r.friendly_name === 'b')?.status).toBe('completed');
      expect((await conferences(database)).find((r) => r.friendly_name === 'a')?.status).toBe('in-progress');
    }));

  it('rejects a duplicate label with Twilio’s 16025, remembering the answer for a repeated delivery', () =>
    withDatabase(async (database) => {
      const c = commands();
      await deliverTo(database, c.join(callSid(1), 'labels', { label: 'agent' }));
      const duplicate = c.join(callSid(2), 'labels', { label: 'agent' });
      const rejected = await deliverTo(database, duplicate, 'dup-label');
      const outcome = { result: 'rejected', reason: 'duplicate-label', code: 16025 };
      expect(rejected).toMatchObject({ duplicate: false, outcome });
      expect(await deliverTo(database, duplicate, 'dup-label')).toMatchObject({ duplicate: true, outcome });
      const calls = await database.db.selectFrom('participants').select('call_sid').execute();
      expect(calls).toEqual([{ call_sid: callSid(1) }]);
    }));

  it('rebuild reproduces the live read models exactly, and verify finds them identical', () =>
    withDatabase(async (database) => {
      const c = commands();
      for (let n = 0; n < 12; n++)
        await deliverTo(database, c.join(callSid(n), `room-${n % 3}`, { endConferenceOnExit: n === 7 }));
      await deliverTo(database, c.update(callSid(4), { muted: true, coaching: false }, 2));
      await deliverTo(database, c.hangUp(callSid(7)));
      await deliverTo(database, c.leave(callSid(0)));
      await deliverTo(database, c.endConference({ reportedAt: null }), 'end', 'room-2');
      const live = await readModels(database);
      expect((await verify(database)).differences).toEqual([]);
      const summary = await rebuild(database);
      expect(summary.events).toBeGreaterThan(20);
      expect(await readModels(database)).toEqual(live);
    }));

  it('verify names the row a tampered read model differs in', () =>
    withDatabase(async (database) => {
      const c = commands();
      await deliverTo(database, c.join(callSid(1), 'tamper'));
      await database.db.updateTable('participants').set({ muted: true }).execute();
      const { differences } = await verify(database);
      expect(differences).toHaveLength(2);
      expect(differences).toContainEqual({
        table: 'participants',
        side: 'live',
        row: expect.objectContaining({ call_sid: callSid(1), muted: true }),
      });
      expect(differences).toContainEqual({
        table: 'participants',
        side: 'rebuilt',
        row: expect.objectContaining({ call_sid: callSid(1), muted: false }),
      });
    }));
});
