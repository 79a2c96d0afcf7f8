// One reader of the event log per process, fanning out to every connected browser. It polls only while
// someone listens, starting from the log's head. A listener that comes with a cursor of its own (a
// reconnecting browser's Last-Event-ID, or the position a page was rendered at) first catches up from the
// log on what the reader had already passed, while the reader's new events wait in a buffer; then it
// takes them live. Each listener gets only events after the last one it got, so nothing arrives twice,
// and since every replica reads the log itself, a cursor from one replica is good at any other.

import type { FastifyBaseLogger } from 'fastify';
import { compareCursors, type FeedCursor, type FeedEvent, type Reads } from '../reads/index.js';

export interface FeedFilter {
  accountSid: string;
  conferenceSid: string | null;
}

export interface FeedListener {
  send(events: FeedEvent[]): void;
  /** Called now and then while nothing is sent, so that idle connections are not cut. */
  ping(): void;
  /** The listener's cursor was too far behind to catch up from: it follows from `head` instead. */
  reset(head: FeedCursor): void;
}

interface Listening {
  filter: FeedFilter;
  listener: FeedListener;
  last: FeedCursor;
  /** The reader's events held back while the listener catches up; null once it is live. */
  held: FeedEvent[][] | null;
}

export interface FeedHubOptions {
  pollMs: number;
  batch: number;
  pingMs: number;
  /** How many positions of the log a listener may catch up on; further behind, it is reset to the head. */
  maxResume: number;
}

const DEFAULTS: FeedHubOptions = { pollMs: 250, batch: 500, pingMs: 15_000, maxResume: 10_000 };
const MAX_RETRY_MS = 5_000;

function matches(filter: FeedFilter, { accountSid, event }: FeedEvent): boolean {
  if (accountSid !== filter.accountSid) return false;
  return (
    filter.conferenceSid === null ||
    ('conferenceSid' in event.data && event.data.conferenceSid === filter.conferenceSid)
  );
}

function deliver(listening: Listening, events: FeedEvent[]): void {
  const fresh = events.filter(
    (e) => matches(listening.filter, e) && compareCursors(e.cursor, listening.last) > 0,
  );
  const last = fresh.at(-1);
  if (last === undefined) return;
  listening.last = last.cursor;
  listening.listener.send(fresh);
}

export class FeedHub {
  private readonly options: FeedHubOptions;
  private readonly listening = new Set<Listening>();
  /** How far the reader has read; null while nobody listens. */
  private head: FeedCursor | null = null;
  private starting: Promise<void> | null = null;
  /** Set while a poll is scheduled or running, so that there is never more than one. */
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private pingedAt = Date.now();
  private closed = false;

  constructor(
    private readonly reads: Pick<Reads, 'feed' | 'feedHead'>,
    private readonly log: FastifyBaseLogger,
    options: Partial<FeedHubOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Sends `listener` the events after `after` (from now, when null) that match `filter`, until the
   * returned function is called. Rejects when catching up fails, having sent what it could.
   */
  async subscribe(filter: FeedFilter, after: FeedCursor | null, listener: FeedListener): Promise<() => void> {
    // Measured against the log's head as it is now (the reader's may lag a poll behind). Positions come
    // from one sequence, so their distance bounds how many events lie between (rolled-back transactions
    // leave gaps, which only make it an overestimate).
    const now = after === null ? null : await this.reads.feedHead();
    const tooFar =
      now !== null && after !== null && now.globalPosition - after.globalPosition > this.options.maxResume;
    while (this.head === null) await this.start();
    // The catch-up goes to the newer of the two heads. The reader's stops polling while nobody listens, and
    // what it then reads from its old head reaches this listener only past the cursor the catch-up ends at.
    const through = now !== null && compareCursors(now, this.head) > 0 ? now : this.head;
    if (tooFar) listener.reset(through);
    const listening: Listening = { filter, listener, last: tooFar ? through : (after ?? through), held: [] };
    this.listening.add(listening);
    const unsubscribe = () => void this.listening.delete(listening);
    this.schedule(this.options.pollMs);
    try {
      const { batch, maxResume } = this.options;
      let caughtUp = 0;
      for (let more = compareCursors(listening.last, through) < 0; more; ) {
        const events = await this.reads.feed({
          after: listening.last,
          through,
          limit: batch,
          accountSid: filter.accountSid,
          ...(filter.conferenceSid === null ? {} : { conferenceSid: filter.conferenceSid }),
        });
        // The distance in positions above cannot see a cursor that is close in position but far back in
        // transactions (one no event was ever at, such as 0:N): the events read decide as well.
        caughtUp += events.length;
        if (caughtUp > maxResume) {
          listening.last = through;
          listener.reset(through);
          break;
        }
        deliver(listening, events);
        more = events.length === batch;
      }
    } catch (error) {
      unsubscribe();
      throw error;
    }
    const held = listening.held ?? [];
    listening.held = null;
    for (const events of held) deliver(listening, events);
    return unsubscribe;
  }

  /** Stops reading; listeners get nothing more. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.listening.clear();
  }

  private start(): Promise<void> {
    this.starting ??= this.reads
      .feedHead()
      .then((head) => {
        this.head ??= head;
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  private schedule(delay: number): void {
    if (this.timer !== undefined || this.closed || this.listening.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    let delay = this.options.pollMs;
    try {
      await this.poll();
      if (this.failures > 0) this.log.info('live feed: reading the event log again');
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      delay = Math.min(this.options.pollMs * 2 ** this.failures, MAX_RETRY_MS);
      if (this.failures === 1)
        this.log.warn({ err: error }, 'live feed: cannot read the event log; retrying');
    }
    this.timer = undefined;
    if (this.listening.size === 0) {
      // Nobody listens: stop, and start again from the head when someone does.
      this.head = null;
      return;
    }
    this.pingIfDue();
    this.schedule(delay);
  }

  private async poll(): Promise<void> {
    const { batch } = this.options;
    for (let more = true; more && this.head !== null && !this.closed; ) {
      const events = await this.reads.feed({ after: this.head, limit: batch });
      const last = events.at(-1);
      if (last === undefined) return;
      this.head = last.cursor;
      for (const listening of this.listening) {
        if (listening.held) listening.held.push(events);
        else deliver(listening, events);
      }
      more = events.length === batch;
    }
  }

  private pingIfDue(): void {
    const now = Date.now();
    if (now - this.pingedAt < this.options.pingMs) return;
    this.pingedAt = now;
    for (const { listener } of this.listening) listener.ping();
  }
}
