// Fills the outbox from the event log: each account's events are read through the xid8 feed cursor (so a
// transaction that commits late is never skipped), folded per conference into the callbacks Twilio would
// send, and addressed to the app (when its subscription asks for them) and to the account's sink. The
// checkpoint advances in the same transaction as the rows are written, so each event is turned into
// callbacks exactly once, whichever replica does it and however often it is interrupted.

import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type CallbackConference,
  type ConferenceCallback,
  callbacksFor,
  NEW_CALLBACK_CONFERENCE,
  targetOf,
} from '../../domain/callbacks.js';
import type { RoomEvent } from '../../domain/events.js';
import { rfc2822 } from '../../rfc2822.js';
import {
  accountEventsUrl,
  accountSids,
  enqueueCallbacks,
  loadCallbackConferences,
  lockCheckpoint,
  type NewCallback,
  readCheckpoint,
  saveCallbackConferences,
  saveCheckpoint,
} from '../../store/callbacks.js';
import { type FeedEvent, readFeed } from '../../store/feed.js';
import type { DB } from '../../store/schema.js';

const timestamp = (at: string) => rfc2822(new Date(at));

/** Events read per transaction. */
const BATCH = 500;

/** Fills every account's outbox up to the settled end of the log; returns the number of callbacks added. */
export async function fillOutbox(db: Kysely<DB>): Promise<number> {
  let added = 0;
  for (const accountSid of await accountSids(db)) {
    for (;;) {
      const batch = await fillAccount(db, accountSid);
      added += batch.callbacks;
      if (batch.events < BATCH) break;
    }
  }
  return added;
}

function conferenceSidOf(event: RoomEvent): string | null {
  return 'conferenceSid' in event.data ? event.data.conferenceSid : null;
}

async function fillAccount(db: Kysely<DB>, accountSid: string) {
  // Most polls find nothing new: looking first spares them the lock, which would cost a transaction id.
  const peek = await readFeed(db, { after: await readCheckpoint(db, accountSid), limit: 1, accountSid });
  if (peek.length === 0) return { events: 0, callbacks: 0 };
  return db.transaction().execute(async (trx) => {
    const cursor = await lockCheckpoint(trx, accountSid);
    if (cursor === undefined) return { events: 0, callbacks: 0 };
    const events = await readFeed(trx, { after: cursor, limit: BATCH, accountSid });
    const last = events.at(-1);
    if (last === undefined) return { events: 0, callbacks: 0 };
    const eventsUrl = await accountEventsUrl(trx, accountSid);
    const sids = [...new Set(events.map((e) => conferenceSidOf(e.event)).filter((s) => s !== null))];
    const stored = await loadCallbackConferences(trx, accountSid, sids);
    const changed = new Map<string, CallbackConference>();
    const outbox: NewCallback[] = [];
    for (const feedEvent of events) {
      const conferenceSid = conferenceSidOf(feedEvent.event);
      if (conferenceSid === null) continue;
      const before = changed.get(conferenceSid) ?? stored.get(conferenceSid) ?? NEW_CALLBACK_CONFERENCE;
      const { state, callbacks } = callbacksFor(before, feedEvent.event, {
        accountSid,
        friendlyName: feedEvent.room,
        timestamp,
      });
      changed.set(conferenceSid, state);
      for (const callback of callbacks) {
        const target = targetOf(state.subscription, callback);
        if (target) outbox.push(addressed(feedEvent, conferenceSid, callback, 'app', target));
        if (eventsUrl !== null) {
          outbox.push(
            addressed(feedEvent, conferenceSid, callback, 'account', { url: eventsUrl, method: 'POST' }),
          );
        }
      }
    }
    await enqueueCallbacks(trx, outbox);
    await saveCallbackConferences(trx, accountSid, changed);
    await saveCheckpoint(trx, accountSid, last.cursor);
    return { events: events.length, callbacks: outbox.length };
  });
}

function addressed(
  feedEvent: FeedEvent,
  conferenceSid: string,
  callback: ConferenceCallback,
  target: NewCallback['target'],
  destination: { url: string; method: 'GET' | 'POST' },
): NewCallback {
  const { accountSid } = feedEvent;
  return {
    accountSid,
    conferenceSid,
    target,
    sequenceNumber: callback.sequenceNumber,
    eventId: feedEvent.id,
    statusCallbackEvent: callback.name,
    url: destination.url,
    method: destination.method,
    params: callback.params,
    // The same for every try of this callback, and for no other: the app can drop a repeat by it.
    idempotencyToken: createHash('sha256')
      .update(`${accountSid}/${conferenceSid}/${target}/${callback.sequenceNumber}`)
      .digest('hex'),
    recordedAt: feedEvent.event.data.at,
  };
}
