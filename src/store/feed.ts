// The event log as an asynchronous reader sees it: in commit order, never skipping an event. Positions are
// taken before commit, so a transaction holding a lower global_position can commit after a reader has
// already passed a higher one; a cursor on global_position alone would skip it for ever. The reader
// therefore reads only events of transactions older than every transaction still running
// (transaction_id < xmin of its snapshot), which are settled, in (transaction_id, global_position) order,
// and keeps both as its cursor.

import { sql } from 'kysely';
import type { RoomEvent } from '../domain/events.js';
import type { Executor } from './executor.js';

export interface FeedCursor {
  transactionId: bigint;
  globalPosition: bigint;
}

/** Before the first event. */
export const FEED_START: FeedCursor = { transactionId: 0n, globalPosition: 0n };

const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;

/** `transaction_id:global_position`, as the live feed names its messages. */
export function formatCursor(cursor: FeedCursor): string {
  return `${cursor.transactionId}:${cursor.globalPosition}`;
}

/** The cursor a formatted one names, or undefined when the text is not one. */
export function parseCursor(text: string): FeedCursor | undefined {
  const match = /^(\d{1,20}):(\d{1,19})$/.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const cursor = { transactionId: BigInt(match[1]), globalPosition: BigInt(match[2]) };
  if (cursor.transactionId > XID8_MAX || cursor.globalPosition > BIGINT_MAX) return undefined;
  return cursor;
}

export function compareCursors(a: FeedCursor, b: FeedCursor): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  if (a.globalPosition !== b.globalPosition) return a.globalPosition < b.globalPosition ? -1 : 1;
  return 0;
}

export interface FeedEvent {
  cursor: FeedCursor;
  accountSid: string;
  room: string;
  id: string;
  event: RoomEvent;
}

export interface FeedQuery {
  /** Events strictly after this cursor. */
  after: FeedCursor;
  limit: number;
  /** Events up to and including this cursor only. */
  through?: FeedCursor;
  accountSid?: string;
  conferenceSid?: string;
}

const settled = sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

function position(cursor: FeedCursor) {
  return sql`(${String(cursor.transactionId)}::xid8, ${String(cursor.globalPosition)}::bigint)`;
}

/** Settled events after `query.after`, oldest first, at most `query.limit` of them. */
export async function readFeed(executor: Executor, query: FeedQuery): Promise<FeedEvent[]> {
  let select = executor
    .selectFrom('events')
    .select(['account_sid', 'friendly_name', 'global_position', 'transaction_id', 'id', 'type', 'data'])
    .where(sql<boolean>`(transaction_id, global_position) > ${position(query.after)}`)
    .where(settled);
  if (query.through) {
    select = select.where(sql<boolean>`(transaction_id, global_position) <= ${position(query.through)}`);
  }
  if (query.accountSid !== undefined) select = select.where('account_sid', '=', query.accountSid);
  if (query.conferenceSid !== undefined) {
    select = select.where(sql`data ->> 'conferenceSid'`, '=', query.conferenceSid);
  }
  const rows = await select.orderBy('transaction_id').orderBy('global_position').limit(query.limit).execute();
  return rows.map((row) => ({
    cursor: { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) },
    accountSid: row.account_sid,
    room: row.friendly_name,
    id: row.id,
    event: { type: row.type, data: row.data } as RoomEvent,
  }));
}

/**
 * The cursor of the last settled event (FEED_START when there is none). Everything up to it can be read
 * now; a reader that starts here misses nothing that settles later.
 */
export async function feedHead(executor: Executor): Promise<FeedCursor> {
  const row = await executor
    .selectFrom('events')
    .select(['transaction_id', 'global_position'])
    .where(settled)
    .orderBy('transaction_id', 'desc')
    .orderBy('global_position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row
    ? { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) }
    : FEED_START;
}
