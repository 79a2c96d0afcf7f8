// The callback deliverer that runs inside `serve`, on every replica: it fills the outbox from the event log,
// claims due callbacks (the oldest pending one of each conference, under a lease) and sends each with a
// bounded timeout, several conferences at once, away from any webhook's path. A 2xx delivers the callback;
// anything else is tried again after an exponential backoff with jitter (about a second at first, doubling,
// capped), until the callback has been due for `retryForMs`; then it is recorded as failed and the
// conference's next callback goes. A replica that dies mid-send loses its lease, and another one sends
// again once the lease has run out: at least once, never twice at the same time.

import type { Kysely } from 'kysely';
import {
  type ClaimedCallback,
  claimCallbacks,
  recordAttemptFailed,
  recordDelivered,
} from '../../store/callbacks.js';
import type { DB } from '../../store/schema.js';
import { fillOutbox } from './fill.js';
import { callbackRequest } from './request.js';

export interface CallbackObserver {
  delivered(): void;
  retried(): void;
  failed(): void;
}

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
  /** Callbacks in flight at once (each to a different conference). */
  concurrency?: number;
  observer?: CallbackObserver;
  log?: { warn(object: object, message: string): void };
}

export interface Deliverer {
  /** Looks for work now rather than at the next poll. */
  wake(): void;
  /** Stops claiming; waits for the requests in flight to finish and be recorded. */
  stop(): Promise<void>;
}

/** The delay before the next try after `attempt` failed ones: doubling, capped, with ±20% jitter. */
export function retryDelay(attempt: number, firstMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function startCallbackDeliverer(db: Kysely<DB>, options: DelivererOptions): Deliverer {
  const firstRetryMs = options.firstRetryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 600_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? timeoutMs + 20_000;
  const pollMs = options.pollMs ?? 250;
  const concurrency = options.concurrency ?? 16;
  const inFlight = new Set<Promise<void>>();
  // Stopping cuts requests in flight short, so that a shutdown never waits on a slow app: they are tried
  // again, by this replica once restarted or by another once their lease runs out.
  const stopping = new AbortController();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
  let again = false;

  const send = async (callback: ClaimedCallback) => {
    const { url, init } = callbackRequest(callback);
    let status: number | null = null;
    let error: string;
    try {
      // Redirects are not followed: the app's URL is the one it named, not wherever it points next.
      const response = await fetch(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      // The answer's body is of no use: it is not read, let alone kept.
      await response.body?.cancel();
      if (status >= 200 && status < 300) {
        await recordDelivered(db, callback, status);
        options.observer?.delivered();
        return;
      }
      error = status >= 300 && status < 400 ? `HTTP ${status}: redirect not followed` : `HTTP ${status}`;
    } catch (failure) {
      error = describe(failure, timeoutMs);
    }
    const outcome = await recordAttemptFailed(db, callback, {
      status,
      error,
      retryInMs: retryDelay(callback.attempt, firstRetryMs, maxRetryMs),
      retryForMs: options.retryForMs,
    });
    if (outcome === 'failed') options.observer?.failed();
    else if (outcome === 'pending') options.observer?.retried();
  };

  const tick = async () => {
    await fillOutbox(db);
    const free = concurrency - inFlight.size;
    if (free <= 0) return;
    const claimed = await claimCallbacks(db, free, leaseMs);
    for (const callback of claimed) {
      const running: Promise<void> = send(callback)
        .catch((error: unknown) => {
          // The outcome could not be recorded (the database is away): the lease runs out and it goes again.
          options.log?.warn({ err: error }, 'could not record a callback attempt');
        })
        .finally(() => {
          inFlight.delete(running);
          schedule(0);
        });
      inFlight.add(running);
    }
    if (claimed.length === free) again = true;
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
  };
  const run = () => {
    ticking = ticking.then(async () => {
      if (stopped) return;
      again = false;
      try {
        await tick();
      } catch (error) {
        options.log?.warn(
          { err: error },
          'the callback deliverer could not reach the database; it tries again',
        );
      }
      schedule(again ? 0 : pollMs);
    });
  };
  schedule(0);
  return {
    wake: () => schedule(0),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      stopping.abort();
      await ticking;
      await Promise.all(inFlight);
    },
  };
}

function describe(failure: unknown, timeoutMs: number): string {
  if (failure instanceof Error) {
    if (failure.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    if (failure.name === 'AbortError') return 'cut short by a shutdown';
    const cause = (failure as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? failure.message;
  }
  return String(failure);
}
