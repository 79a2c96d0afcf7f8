// `verify --deep` derives the read models a second way, in plain SQL over the events, so that a wrong rule
// in the Projection (which the fold of `verify` repeats faithfully, live and rebuilt alike) is seen. Each
// planted bug below breaks one projection rule in this process only: the live path and the fold both run
// it, `verify` finds nothing, and the SQL derivation names the rows it got wrong.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { deliver } from '../../src/commands/deliver.js';
import type { RoomEvent } from '../../src/domain/events.js';
import { Projection } from '../../src/reads/projection.js';
import { verify } from '../../src/reads/verify.js';
import { verifyDeep } from '../../src/reads/verify-deep.js';
import { runCli } from '../helpers/cli.js';
import { callSid, commands } from '../helpers/commands.js';
import { databaseKinds, postgresKind, type TestDatabase, withDatabase } from '../helpers/databases.js';

const ACCOUNT = `AC${'d'.repeat(32)}`;

/** Joins, flag and coaching changes, a call leaving and coming back, an end on exit and a platform end. */
async function playFlows(database: TestDatabase): Promise<void> {
  const c = commands();
  const [host, guest, coach, late] = [1, 2, 3, 4].map(callSid) as [string, string, string, string];
  const flows = [
    c.join(host, 'réunion 会議', { label: 'host' }),
    c.join(guest, 'réunion 会議', { muted: true }),
    c.join(coach, 'réunion 会議', { callSidToCoach: guest }),
    c.update(guest, { hold: true, muted: false }, 3),
    c.update(coach, { coaching: false, callSidToCoach: null }, 4),
    c.leave(guest, 'dial-ended'),
    c.join(guest, 'réunion 会議'),
    c.update(guest, { hold: true }, 6),
    c.join(late, 'second room', { endConferenceOnExit: true }),
    c.join(coach, 'second room'),
    c.hangUp(late),
    c.hangUp(host),
    c.endConference({ reason: 'conference-ended-via-api' }),
  ];
  for (const [i, command] of flows.entries()) {
    const room = command.type === 'EndConference' ? 'réunion 会議' : null;
    await deliver(database.db, { accountSid: ACCOUNT, key: `k${i}`, command, room });
  }
}

/** A projection rule broken on purpose: `change` rewrites the events the projection is given. */
function plant(change: (event: RoomEvent) => RoomEvent): void {
  const apply = Projection.prototype.apply;
  vi.spyOn(Projection.prototype, 'apply').mockImplementation(function (this: Projection, account, event) {
    apply.call(this, account, change(event));
  });
}

const PLANTED: { name: string; table: string; change: (event: RoomEvent) => RoomEvent }[] = [
  {
    name: 'an update that forgets the hold',
    table: 'participants',
    change: (e) => (e.type === 'ParticipantUpdated' ? { ...e, data: { ...e.data, hold: false } } : e),
  },
  {
    name: 'an end that drops its reason',
    table: 'conferences',
    change: (e) => (e.type === 'ConferenceEnded' ? { ...e, data: { ...e.data, reason: null } } : e),
  },
  {
    name: 'a leave that keeps its time of joining',
    table: 'participants',
    change: (e) =>
      e.type === 'ParticipantLeft' ? { ...e, data: { ...e.data, at: '2026-01-01T00:00:00.000Z' } } : e,
  },
];

describe.each(databaseKinds)('verify --deep on $name', (kind) => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('finds the live read models equal to the SQL derivation of a correct log', () =>
    withDatabase(kind, async (database) => {
      await playFlows(database);
      expect((await verify(database)).differences).toEqual([]);
      const deep = await verifyDeep(database);
      expect(deep.differences).toEqual([]);
      expect(deep.events).toBeGreaterThan(20);
    }));

  it.each(PLANTED)('catches a planted projection bug that verify repeats: $name', ({ table, change }) =>
    withDatabase(kind, async (database) => {
      plant(change);
      await playFlows(database);
      expect((await verify(database)).differences, 'the fold repeats the bug').toEqual([]);
      const deep = await verifyDeep(database);
      expect(deep.differences.map((d) => d.table)).toContain(table);
    }),
  );
});

describe.skipIf(!postgresKind)('conclave verify --deep', () => {
  it('exits 0 on a consistent database and 1 naming a tampered row', async () => {
    const database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    try {
      await playFlows(database);
      const env = { DATABASE_URL: database.url as string };
      const clean = await runCli(['verify', '--deep'], env);
      expect(clean).toMatchObject({ code: 0, stderr: '' });
      expect(clean.stdout).toMatch(/^Verified: the read models match the \d+ events of the log$/m);
      await database.db.updateTable('calls').set({ ended: false }).execute();
      const tampered = await runCli(['verify', '--deep'], env);
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toMatch(/calls: only in the live table: .*"ended":false/);
    } finally {
      await database.drop();
    }
  }, 60_000);
});
