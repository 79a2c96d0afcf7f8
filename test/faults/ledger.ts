// What the clients were told, delivery by delivery, and its reconciliation with what Conclave shows. A
// delivery is one webhook as the platform means it, with its idempotency token; it may take several attempts
// (a retry after a 503 or a dropped connection). Every attempt, retry and 503 is counted; a 503 that names
// a deadlock or a lock timeout fails the run, since that is a fault of Conclave's and no outage. What must be
// stored is not read from Conclave's own records (inbox, event log): the reference model works it out from
// what was sent and acknowledged, and the REST API is asked whether it shows exactly that.

import { EventEmitter, once } from 'node:events';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Database } from '../../src/store/database.js';
import { testConfig } from '../helpers/app.js';
import { type AccountingOptions, accountFor } from './accounting.js';
import { expect as expectFrom } from './reference-model.js';
import { readRooms } from './rest-state.js';
import { PUBLIC_URL } from './servers.js';

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
  /** Ticks of the ledger's clock: when the delivery was first sent, and when it was first answered 2xx. */
  sentAt: number;
  ackedAt: number | null;
}

export interface Counts {
  /** HTTP attempts made. */
  requests: number;
  /** Attempts made again after a 503 or no answer. */
  retries: number;
  /** Attempts answered 2xx. */
  '2xx': number;
  /** Attempts answered 503 because the database was away, by deadlock, and by lock timeout. */
  '503s': number;
  deadlocks: number;
  'lock timeouts': number;
  /** Deliveries answered 2xx at least once. */
  acknowledged: number;
  /** Stays in a conference the reference model expects from the acknowledged deliveries. */
  visits: number;
  /** Expected joins, leaves, moves and flag changes the REST API does not show. */
  lost: number;
  /** What the REST API shows that no acknowledged delivery explains. */
  extra: number;
}

export interface ReconcileOptions extends AccountingOptions {
  /** The scenario takes the database away: 503s for that reason are expected. */
  outages?: boolean;
}

type Cause = 'outage' | 'deadlock' | 'lock-timeout';

/** Why a 503 was given, as its body says (see the README's reliability section). */
function causeOf(body: string): Cause {
  if (body.includes('(40P01)')) return 'deadlock';
  if (body.includes('(55P03)')) return 'lock-timeout';
  return 'outage';
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
  readonly unavailableBy: Record<Cause, number> = { outage: 0, deadlock: 0, 'lock-timeout': 0 };
  retries = 0;
  private clock = 0;

  open(request: Request, token: string, path: string, form: Form, query: Form): Delivery {
    const route = path.split('?')[0] ?? path;
    const delivery: Delivery = {
      request,
      token,
      path: route,
      form,
      query,
      statuses: [],
      acknowledged: null,
      sentAt: ++this.clock,
      ackedAt: null,
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  /** The edge is about to try a delivery again. */
  retried(): void {
    this.retries += 1;
  }

  answered(delivery: Delivery, status: number | null, body: string, ms: number): void {
    this.requests += 1;
    delivery.statuses.push(status);
    if (status === 503) {
      this.unavailable += 1;
      this.unavailableBy[causeOf(body)] += 1;
      this.slowestUnavailableMs = Math.max(this.slowestUnavailableMs, Math.round(ms));
    }
    if (status !== null && status >= 500 && status !== 503) {
      this.failures.push(`${delivery.path} ${status}: ${body.slice(0, 200)}`);
    }
    if (status !== null && status < 300) {
      this.ok += 1;
      if (delivery.acknowledged === null) {
        delivery.acknowledged = body;
        delivery.ackedAt = ++this.clock;
      }
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
   * Expects no answer of 5xx but 503, no 503 for contention (nor any 503 unless the scenario takes the
   * database away), and the REST API of `accountSid` to show exactly what the reference model expects from
   * the acknowledged deliveries; returns the counts.
   */
  async reconcile(database: Database, accountSid: string, options: ReconcileOptions = {}): Promise<Counts> {
    expect(this.failures, 'answers of 5xx other than 503').toEqual([]);
    expect(this.inconsistent, 'a delivery answered two ways').toEqual([]);
    expect(
      { deadlocks: this.unavailableBy.deadlock, 'lock timeouts': this.unavailableBy['lock-timeout'] },
      '503s for contention: a deadlock or lock timeout is a fault, never an outage',
    ).toEqual({ deadlocks: 0, 'lock timeouts': 0 });
    if (!options.outages) expect(this.unavailable, '503s in a scenario with no outage').toBe(0);

    const sent = this.deliveries;
    const expectation = expectFrom(sent);
    const app = await buildApp({ config: testConfig({ publicUrl: PUBLIC_URL }), database });
    const account = await database.db
      .selectFrom('accounts')
      .select('auth_token')
      .where('account_sid', '=', accountSid)
      .executeTakeFirstOrThrow();
    const shown = await readRooms(
      { app, accountSid, authToken: account.auth_token },
      expectation.rooms,
    ).finally(() => app.close());
    const accounting = accountFor(expectation, sent, shown, options);
    // A failing run prints what was sent for the first calls concerned and what the API shows of them.
    for (const line of [...accounting.lost, ...accounting.extra].slice(0, 3)) {
      const call = line.split(' ')[0] ?? '';
      const shownLines = shown.flatMap((c) =>
        c.events
          .filter((e) => e.call_sid === call)
          .map((e) => `  shown ${c.friendly_name} ${c.sid} ${e.type} ${JSON.stringify(e.data)}`),
      );
      const sentLines = sent
        .filter((d) => d.form.CallSid === call)
        .map(
          (d) =>
            `  sent ${d.path} ${JSON.stringify({ ...d.query, ...d.form })} answers ${d.statuses.join('/')} ticks ${d.sentAt}-${d.ackedAt}`,
        );
      console.log([`[faults] ${line}`, ...sentLines, ...shownLines].join('\n'));
    }
    expect(accounting.lost, 'acknowledged joins, leaves, moves and flag changes not shown').toEqual([]);
    expect(accounting.extra, 'shown, though no acknowledged delivery asked for it').toEqual([]);
    return {
      requests: this.requests,
      retries: this.retries,
      '2xx': this.ok,
      '503s': this.unavailable,
      deadlocks: this.unavailableBy.deadlock,
      'lock timeouts': this.unavailableBy['lock-timeout'],
      acknowledged: this.deliveries.filter((d) => d.acknowledged !== null).length,
      visits: accounting.visits,
      lost: accounting.lost.length,
      extra: accounting.extra.length,
    };
  }
}

/** One line of counts for the run's output. */
export function report(scenario: string, fields: Record<string, number | string>): void {
  const text = Object.entries(fields)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  console.log(`[faults] ${scenario}: ${text}`);
}
