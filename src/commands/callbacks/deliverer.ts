// The callback deliverer that runs inside `serve`, on every replica: it fills the outbox from the event log,
// claims due callbacks (the oldest pending one of each conference, under a lease) and sends each with a
// bounded timeout, several conferences at once, away from any webhook's path. A 2xx delivers the callback;
// anything else is tried again after an exponential backoff with jitter (about a second at first, doubling,
// capped), until the callback has been due for `retryForMs`; then it is recorded as failed and the
// conference's next callback goes. A replica that dies mid-send loses its lease, and another one sends
// again once the lease has run out: at least once, never twice at the same time.

import type { Kysely } from 'kysely';
import {
  type AttemptOutcome,
  type ClaimedCallback,
  claimCallbacks,
  recordAttempts,
} from '../../store/callbacks.js';
import type { DB } from '../../store/schema.js';
import { fillOutbox } from './fill.js';
import { callbackRequest } from './request.js';
import { transmit } from './transport.js';

export interface CallbackObserver {
  delivered(): void;
  retried(): void;
  failed(): void;
}

/** Callbacks in flight at once per process unless CALLBACK_CONCURRENCY says otherwise. */
export const DEFAULT_CALLBACK_CONCURRENCY = 64;

export interface DelivererOptions {
  /** CALLBACK_RETRY_FOR, in ms. */
  retryForMs: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** The longest one request may take, connection to last byte. */
  timeoutMs?: number;
  /** How long a claim holds; longer than the timeout, so a claim never runs out while its request runs. */
  leaseMs?: number;
  /** How often an idle deliverer looks for work. */
  pollMs?: number;
  /** The least time between two fills of the outbox from the event log (at most `pollMs`). */
  fillEveryMs?: number;
  /** Callbacks in flight at once (each the oldest pending one of its conference), CALLBACK_CONCURRENCY. */
  concurrency?: number;
  /**
   * CALLBACK_SID_WAIT, in ms: how long a conference's callbacks wait for the platform to report its Sid
   * (0: they go at once, with the Sid Conclave minted until the platform's is known).
   */
  sidWaitMs?: number;
  observer?: CallbackObserver;
  log?: { warn(object: object, message: string): void };
}

export interface Deliverer {
  /** Looks for work now rather than at the next poll. */
  wake(): void;
  /** Stops claiming, cuts the requests in flight short and records them, to go again at once. */
  stop(): Promise<void>;
}

/** The delay before the next try after `attempt` failed ones in the window: doubling, capped, ±20% jitter. */
function retryDelay(attempt: number, firstMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function startCallbackDeliverer(db: Kysely<DB>, options: DelivererOptions): Deliverer {
  const firstRetryMs = options.firstRetryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 600_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? timeoutMs + 20_000;
  const pollMs = options.pollMs ?? 250;
  const fillEveryMs = Math.min(pollMs, options.fillEveryMs ?? 100);
  let filledAt = Number.NEGATIVE_INFINITY;
  const concurrency = options.concurrency ?? DEFAULT_CALLBACK_CONCURRENCY;
  const inFlight = new Set<Promise<void>>();
  // Attempts that have finished and are not yet recorded: the next pass records them all in one statement.
  let finished: AttemptOutcome[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let passes: Promise<void> | undefined;
  let wanted = false;
  // Stopping cuts the requests in flight short rather than waiting out their timeouts, which a shutdown's
  // deadline would not allow: each is released to go again at once, here after a restart or at another
  // replica, as if not tried, so that none is lost to its retry window.
  const stopping = new AbortController();

  const send = async (callback: ClaimedCallback): Promise<AttemptOutcome> => {
    const failed = (status: number | null, error: string): AttemptOutcome => ({
      claimed: callback,
      delivered: false,
      status,
      error,
      retryInMs: retryDelay(callback.windowAttempt, firstRetryMs, maxRetryMs),
    });
    try {
      // Redirects are not followed: the app's URL is the one it named, not wherever it points next.
      const status = await transmit(callbackRequest(callback), timeoutMs, stopping.signal);
      if (status >= 200 && status < 300) {
        return { claimed: callback, delivered: true, status, error: null, retryInMs: 0 };
      }
      return failed(
        status,
        status >= 300 && status < 400 ? `HTTP ${status}: redirect not followed` : `HTTP ${status}`,
      );
    } catch (failure) {
      if (stopping.signal.aborted)
        return { ...failed(null, 'cut short by a shutdown'), retryInMs: 0, released: true };
      return failed(null, describe(failure));
    }
  };

  const record = async () => {
    const batch = finished;
    finished = [];
    let recorded: Map<string, string>;
    try {
      recorded = await recordAttempts(db, batch, options.retryForMs);
    } catch (error) {
      // Kept for the next pass: their claims hold until the lease runs out, so recording them late is right.
      finished = batch.concat(finished);
      throw error;
    }
    for (const outcome of batch) {
      const status = recorded.get(outcome.claimed.id);
      if (status === 'delivered') options.observer?.delivered();
      else if (status === 'failed') options.observer?.failed();
      else if (status === 'pending') options.observer?.retried();
    }
  };

  // One pass records what has finished, fills the outbox (now and then) and claims as many due callbacks as
  // there are free slots, each step one statement or transaction whatever the number of callbacks.
  const pass = async () => {
    await record();
    if (stopped) return;
    // Filling costs a transaction whatever the number of events it reads: run as often as passes (once per
    // batch of finished requests), it would read a few events at a time and cost more than the sending.
    if (performance.now() - filledAt >= fillEveryMs) {
      filledAt = performance.now();
      await fillOutbox(db);
    }
    const free = concurrency - inFlight.size;
    if (free <= 0 || stopped) return;
    const claimed = await claimCallbacks(db, free, leaseMs, options.sidWaitMs);
    for (const callback of claimed) {
      const running: Promise<void> = send(callback).then((outcome) => {
        finished.push(outcome);
        inFlight.delete(running);
        run();
      });
      inFlight.add(running);
    }
  };

  // Passes run one at a time; whatever asks for one while a pass runs gets the next, so that the attempts
  // finishing meanwhile are recorded together.
  const run = () => {
    clearTimeout(timer);
    if (stopped) return;
    if (passes) {
      wanted = true;
      return;
    }
    passes = (async () => {
      do {
        wanted = false;
        try {
          await pass();
        } catch (error) {
          options.log?.warn(
            { err: error },
            'the callback deliverer could not reach the database; it tries again',
          );
          break;
        }
      } while (wanted && !stopped);
      passes = undefined;
      if (!stopped) timer = setTimeout(run, pollMs);
    })();
  };
  run();
  return {
    wake: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      stopping.abort();
      await passes;
      await Promise.all(inFlight);
      await record().catch((error: unknown) => {
        // The leases run out and these go again.
        options.log?.warn({ err: error }, 'could not record callback attempts');
      });
    },
  };
}

function describe(failure: unknown): string {
  if (failure instanceof Error) {
    return (failure as { code?: string }).code ?? failure.message;
  }
  return String(failure);
}
