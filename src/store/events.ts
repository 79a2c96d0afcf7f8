// The event log: appends at gapless positions of a room's stream, and reads in commit order.

import type { IdentifiedEvent } from '../domain/delivery.js';
import type { RoomEvent } from '../domain/events.js';
import type { RoomState } from '../domain/room.js';
import type { Executor } from './executor.js';

export interface StoredEvent {
  accountSid: string;
  room: string;
  streamPosition: number;
  globalPosition: string;
  id: string;
  recordedAt: Date;
  event: RoomEvent;
}

export class ConcurrencyError extends Error {
  constructor(accountSid: string, room: string, expected: number) {
    super(`room ${accountSid}/${room} moved past version ${expected} while locked`);
  }
}

/**
 * Appends `events` after `expectedVersion` and stores the state they lead to. The caller holds the room's
 * lock; the version check is a second line of defence that turns a broken lock into an error, never into a
 * lost or reordered event.
 */
export async function appendToRoom(
  executor: Executor,
  accountSid: string,
  room: string,
  expectedVersion: number,
  events: IdentifiedEvent[],
  state: RoomState,
): Promise<number> {
  if (events.length === 0) return expectedVersion;
  const version = expectedVersion + events.length;
  await executor
    .insertInto('events')
    .values(
      events.map(({ id, event }, i) => ({
        account_sid: accountSid,
        friendly_name: room,
        stream_position: expectedVersion + i + 1,
        id,
        type: event.type,
        data: JSON.stringify(event.data),
        recorded_at: event.data.at,
      })),
    )
    .execute();
  const updated = await executor
    .updateTable('rooms')
    .set({ version, state: JSON.stringify(state) })
    .where('account_sid', '=', accountSid)
    .where('friendly_name', '=', room)
    .where('version', '=', String(expectedVersion))
    .executeTakeFirst();
  if (updated.numUpdatedRows !== 1n) throw new ConcurrencyError(accountSid, room, expectedVersion);
  return version;
}

/** Reads up to `limit` events after `afterGlobalPosition`, in the order they were appended. */
export async function readEvents(
  executor: Executor,
  afterGlobalPosition: string,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await executor
    .selectFrom('events')
    .select([
      'account_sid',
      'friendly_name',
      'stream_position',
      'global_position',
      'id',
      'type',
      'data',
      'recorded_at',
    ])
    .where('global_position', '>', afterGlobalPosition as never)
    .orderBy('global_position')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    accountSid: row.account_sid,
    room: row.friendly_name,
    streamPosition: Number(row.stream_position),
    globalPosition: String(row.global_position),
    id: row.id,
    recordedAt: row.recorded_at,
    event: { type: row.type, data: row.data } as RoomEvent,
  }));
}
