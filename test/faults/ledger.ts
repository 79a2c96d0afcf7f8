// What the clients were told, delivery by delivery, and its reconciliation with what is stored. A delivery
// is one webhook as the platform means it, with its idempotency token; it may take several attempts (a
// retry after a 503 or a dropped connection). Conclave claims the token in its inbox in the same
// transaction as the events, so the inbox says which deliveries were committed, and the event log says
// whether their effect is there.

import { EventEmitter, once } from 'node:events';
import { expect } from 'vitest';
import type { Database } from '../../src/store/database.js';

export type Form = Record<string, string>;

/** One attempt as it goes on the wire, the same for every retry of a delivery. */
export interface Request {
  /** Path and query, e.g. /webhooks/voice?FriendlyName=x. */
  target: string;
  headers: Record<string, string>;
  body: string;
}

export interface Delivery {
  request: Request;
  token: string;
  /** The route's path, without the query that callback URLs may carry. */
  path: string;
  form: Form;
  query: Form;
  /** Every attempt's status; null where no answer came (connection refused or dropped). */
  statuses: (number | null)[];
  /** The body of the first 2xx answer. */
  acknowledged: string | null;
}

export interface Counts {
  /** HTTP attempts made. */
  requests: number;
  /** Attempts answered 2xx. */
  '2xx': number;
  /** Deliveries answered 2xx at least once. */
  acknowledged: number;
  /** Deliveries whose token is in the inbox: committed. */
  stored: number;
  /** Acknowledged deliveries with something to record whose token or effect is missing. */
  lost: number;
  /** Deliveries committed although their last answer refused them. */
  phantom: number;
}

// Conference events Conclave acknowledges without recording anything (it derives them itself or does not
// keep them), and call statuses that are not the end of the call.
const RECORDED_CONFERENCE_EVENTS = new Set([
  'participant-join',
  'participant-leave',
  'participant-mute',
  'participant-unmute',
  'participant-hold',
  'participant-unhold',
  'participant-modify',
  'conference-end',
]);
const TERMINAL_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** Whether a delivery, once acknowledged, must have claimed its token in the inbox. */
function records(delivery: Delivery): boolean {
  const { path, form } = delivery;
  if (path.endsWith('/conference-status'))
    return RECORDED_CONFERENCE_EVENTS.has(form.StatusCallbackEvent ?? '');
  if (path.endsWith('/call-status')) return TERMINAL_CALL_STATUSES.has(form.CallStatus ?? '');
  return true;
}

export class Ledger extends EventEmitter {
  readonly deliveries: Delivery[] = [];
  requests = 0;
  ok = 0;
  /** Answers of 500 or above other than 503, which nothing may ever get. */
  readonly failures: string[] = [];
  /** Deliveries sent twice at once, and those of them whose two answers differ. */
  raced = 0;
  readonly inconsistent: string[] = [];
  /** 503 answers, and the longest any of them took. */
  unavailable = 0;
  slowestUnavailableMs = 0;

  open(request: Request, token: string, path: string, form: Form, query: Form): Delivery {
    const route = path.split('?')[0] ?? path;
    const delivery: Delivery = { request, token, path: route, form, query, statuses: [], acknowledged: null };
    this.deliveries.push(delivery);
    return delivery;
  }

  answered(delivery: Delivery, status: number | null, body: string, ms: number): void {
    this.requests += 1;
    delivery.statuses.push(status);
    if (status === 503) {
      this.unavailable += 1;
      this.slowestUnavailableMs = Math.max(this.slowestUnavailableMs, Math.round(ms));
    }
    if (status !== null && status >= 500 && status !== 503) {
      this.failures.push(`${delivery.path} ${status}: ${body.slice(0, 200)}`);
    }
    if (status !== null && status < 300) {
      this.ok += 1;
      delivery.acknowledged ??= body;
    }
    this.emit('answered');
  }

  /** Two answers to one delivery must be the same answer. */
  compare(
    delivery: Delivery,
    first: { status: number; body: string },
    second: { status: number; body: string },
  ) {
    this.raced += 1;
    if (first.status !== second.status || first.body !== second.body) {
      this.inconsistent.push(`${delivery.path}: ${first.status} and ${second.status}`);
    }
  }

  /** Resolves once `count` attempts in all have been answered 2xx. */
  async acknowledgedAtLeast(count: number): Promise<void> {
    while (this.ok < count) await once(this, 'answered');
  }

  /** Resolves once `count` attempts in all have been answered 503. */
  async unavailableAtLeast(count: number): Promise<void> {
    while (this.unavailable < count) await once(this, 'answered');
  }

  /**
   * Compares the deliveries with the inbox and the event log of `accountSid`, expects nothing lost and
   * nothing committed that was refused, and returns the counts.
   */
  async reconcile(database: Database, accountSid: string): Promise<Counts> {
    const inbox = new Set(
      (
        await database.db.selectFrom('inbox').select('key').where('account_sid', '=', accountSid).execute()
      ).map((row) => row.key),
    );
    const events = await database.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('account_sid', '=', accountSid)
      .execute();
    const recorded = new Set(
      events.map((e) => `${e.type} ${(e.data as { callSid?: string }).callSid ?? ''}`),
    );
    const lost: string[] = [];
    const phantom: string[] = [];
    let stored = 0;
    for (const delivery of this.deliveries) {
      const inInbox = inbox.has(`${delivery.path} token ${delivery.token}`);
      if (inInbox) stored += 1;
      const last = delivery.statuses.findLast((status) => status !== null);
      if (delivery.acknowledged === null) {
        if (inInbox && last !== undefined) phantom.push(`${delivery.path} answered ${last}`);
        continue;
      }
      if (!records(delivery)) continue;
      const missing = inInbox ? missingEffect(delivery, recorded) : 'its inbox key';
      if (missing !== null) lost.push(`${delivery.path} ${JSON.stringify(delivery.form)}: no ${missing}`);
    }
    expect(this.failures, 'answers of 5xx other than 503').toEqual([]);
    expect(this.inconsistent, 'a delivery answered two ways').toEqual([]);
    expect(lost, 'acknowledged deliveries missing from the store').toEqual([]);
    expect(phantom, 'refused deliveries found in the store').toEqual([]);
    return {
      requests: this.requests,
      '2xx': this.ok,
      acknowledged: this.deliveries.filter((d) => d.acknowledged !== null).length,
      stored,
      lost: lost.length,
      phantom: phantom.length,
    };
  }
}

/** The event an acknowledged delivery must have left in the log, where its answer names one. */
function missingEffect(delivery: Delivery, recorded: Set<string>): string | null {
  const call = delivery.form.CallSid ?? '';
  const expected = (type: string) => (recorded.has(`${type} ${call}`) ? null : `${type} event`);
  if (delivery.path.endsWith('/voice')) {
    return expected(delivery.acknowledged?.includes('<Dial') ? 'ParticipantJoined' : 'JoinRejected');
  }
  if (delivery.path.endsWith('/call-status')) return expected('CallEnded');
  return null;
}

/** One line of counts for the run's output. */
export function report(scenario: string, fields: Record<string, number | string>): void {
  const text = Object.entries(fields)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  console.log(`[faults] ${scenario}: ${text}`);
}
