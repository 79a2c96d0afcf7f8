// GET /live: the signed-in account's changes as Server-Sent Events, fed by the process's one reader of
// the event log. Each message's id is its cursor in the log (transaction_id:global_position): a browser
// that reconnects sends the last one back as Last-Event-ID and resumes right after it, at any replica,
// unless it is so far behind that replaying the history would cost more than a fresh page: then it gets
// a `reset` message, whose id is the head of the log, and reloads the page.

import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callSidOf } from '../domain/events.js';
import { canonicalSid, isSid } from '../domain/ids.js';
import { type FeedCursor, type FeedEvent, formatCursor, parseCursor } from '../reads/index.js';
import { Narrator } from './describe.js';
import type { FeedHub } from './feed-hub.js';
import type { FeedSlots } from './feed-slots.js';
import type { Session } from './session.js';

/** A browser this far behind is cut off; it reconnects and catches up from the log instead. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const RECONNECT_MS = 2000;
/**
 * How often an open feed asks whether its session still holds. A logout, a changed token or the session's
 * expiry ends the feed within this, as they refuse the cookie at once: a feed opened before a leaked
 * token was changed must not go on showing the account's changes.
 */
const SESSION_CHECK_MS = 2000;

/** The feed a page follows: its changes after the position the page was read at. */
export function feedPath(after: FeedCursor, conferenceSid?: string): string {
  const query = new URLSearchParams({ after: formatCursor(after) });
  if (conferenceSid !== undefined) query.set('conference', conferenceSid);
  return `/live?${query}`;
}

function message({ cursor, room, id, event }: FeedEvent): string {
  const { kind, text } = new Narrator().describe(event);
  const data = {
    id,
    type: event.type,
    room,
    conferenceSid: 'conferenceSid' in event.data ? event.data.conferenceSid : null,
    callSid: callSidOf(event),
    kind,
    summary: `${room}: ${text}`,
  };
  return `id: ${formatCursor(cursor)}\nevent: change\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface LiveOptions {
  hub: FeedHub;
  /** Open streams, for ending them when the server closes. */
  streams: Set<ServerResponse>;
  slots: FeedSlots;
  /** Whether the session the feed was opened with still holds. */
  stillSignedIn: () => Promise<boolean>;
}

function badRequest(reply: FastifyReply, reason: string) {
  return reply.code(400).type('text/plain').send(reason);
}

export async function live(
  request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
  reply: FastifyReply,
  { account, id: sessionId }: Session,
  { hub, streams, slots, stillSignedIn }: LiveOptions,
) {
  const lastEventId = request.headers['last-event-id'];
  const given = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : request.query.after;
  const after = given === undefined ? null : parseCursor(given);
  if (after === undefined) {
    return badRequest(reply, 'Last-Event-ID and after take a cursor: transaction_id:global_position');
  }
  const named = request.query.conference ?? null;
  if (named !== null && !isSid('CF', named)) {
    return badRequest(reply, 'conference takes a conference Sid: CF followed by 32 hexadecimal digits');
  }
  const conferenceSid = named === null ? null : canonicalSid(named);

  const slot = slots.take(account.sid, sessionId);
  if ('refused' in slot) {
    return reply
      .code(429)
      .header('retry-after', String(RECONNECT_MS / 1000))
      .type('text/plain')
      .send(slot.refused);
  }

  reply.hijack();
  const stream = reply.raw;
  stream.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Proxies that buffer responses would hold the events back.
    'x-accel-buffering': 'no',
  });
  stream.write(`retry: ${RECONNECT_MS}\n\n`);
  streams.add(stream);
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  // One check at a time, the next one SESSION_CHECK_MS after the last has answered: a slow database must
  // not pile them up. A check the database cannot answer keeps the feed; the next one decides.
  let sessionCheck: NodeJS.Timeout;
  const checkSession = () => {
    sessionCheck = setTimeout(() => {
      stillSignedIn().then(
        (holds) => {
          if (closed) return;
          if (holds) checkSession();
          else stream.destroy();
        },
        () => {
          if (!closed) checkSession();
        },
      );
    }, SESSION_CHECK_MS);
  };
  checkSession();
  stream.on('close', () => {
    closed = true;
    clearTimeout(sessionCheck);
    slot.release();
    streams.delete(stream);
    unsubscribe?.();
  });
  const listener = {
    send(events: FeedEvent[]) {
      stream.write(events.map(message).join(''));
      if (stream.writableLength > MAX_BUFFERED_BYTES) stream.destroy();
    },
    ping() {
      stream.write(': keep-alive\n\n');
    },
    reset(head: FeedCursor) {
      stream.write(
        `id: ${formatCursor(head)}\nevent: reset\ndata: {"reason":"too far behind to resume"}\n\n`,
      );
    },
  };
  try {
    unsubscribe = await hub.subscribe({ accountSid: account.sid, conferenceSid }, after, listener);
    if (closed) unsubscribe();
  } catch (error) {
    // The browser reconnects from the last event it got, once the database answers again.
    request.log.warn({ err: error }, 'live feed: catching up from the event log failed');
    stream.end();
  }
}
