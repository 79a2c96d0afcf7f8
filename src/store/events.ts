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
  event: RoomEvent;
}

export class ConcurrencyError extends Error {
  constructor(accountSid: string, room: string, expected: number) {
    super(`room ${accountSid}/${room} moved past version ${expected} while locked`);
  }
}

/**
 * The statements that append `events` after `expectedVersion` and store the state they lead to. The caller
 * holds the room's lock; the version check is a second line of defence: `advance` returns the room only if
 * it was still at `expectedVersion`, and the caller must see it do so (or throw ConcurrencyError), so that
 * a broken lock turns into an error, never into a lost or reordered event.
 */
export function appendToRoom(
  executor: Executor,
  accountSid: string,
  room: string,
  expectedVersion: number,
  events: IdentifiedEvent[],
  state: RoomState,
) {
  return {
    insert: executor.insertInto('events').values(
      events.map(({ id, event }, i) => ({
        account_sid: accountSid,
        friendly_name: room,
        stream_position: expectedVersion + i + 1,
        id,
        type: event.type,
        data: JSON.stringify(event.data),
        recorded_at: event.data.at,
      })),
    ),
    advance: executor
      .updateTable('rooms')
      .set({ version: expectedVersion + events.length, state: JSON.stringify(state) })
      .where('account_sid', '=', accountSid)
      .where('friendly_name', '=', room)
      .where('version', '=', String(expectedVersion))
      .returning('friendly_name'),
  };
}

/** Reads up to `limit` events after `afterGlobalPosition`, in the order they were appended. */
export async function readEvents(
  executor: Executor,
  afterGlobalPosition: string,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await executor
    .selectFrom('events')
    // Not the event's id: the fold has no use for it, and a rebuild reads a million of them.
    .select(['account_sid', 'friendly_name', 'stream_position', 'global_position', 'type', 'data'])
    .where('global_position', '>', afterGlobalPosition as never)
    .orderBy('global_position')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    accountSid: row.account_sid,
    room: row.friendly_name,
    streamPosition: Number(row.stream_position),
    globalPosition: String(row.global_position),
    event: { type: row.type, data: row.data } as RoomEvent,
  }));
}
