// Sends signed webhooks as the telephony edge would, and keeps count of what came back. Some deliveries
// are repeated with the same idempotency token, as the edge repeats a delivery it is unsure of; a repeat
// must be answered exactly as the first one was.

import { randomUUID } from 'node:crypto';
import { computeSignature } from '../signature.js';
import type { SimulationOptions } from './options.js';

export type Form = Record<string, string>;

export interface Answer {
  status: number;
  body: string;
}

export interface Failure {
  count: number;
  /** The first answer with this status: the server's plain reason. */
  example: string;
}

export class Tally {
  requests = new Map<string, number>();
  repeated = 0;
  /** Repeats answered otherwise than their first delivery. */
  inconsistent = 0;
  failures = new Map<number, Failure>();
  latencies: number[] = [];

  get total(): number {
    let n = 0;
    for (const count of this.requests.values()) n += count;
    return n;
  }

  get failed(): number {
    let n = 0;
    for (const failure of this.failures.values()) n += failure.count;
    return n;
  }

  count(path: string, answer: Answer, ms: number): void {
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    this.latencies.push(ms);
    if (answer.status < 300) return;
    const failure = this.failures.get(answer.status) ?? { count: 0, example: answer.body.slice(0, 200) };
    failure.count += 1;
    this.failures.set(answer.status, failure);
  }
}

export interface SignedWebhook {
  /** The path and query to request. */
  target: string;
  headers: Record<string, string>;
  body: string;
}

/** A delivery as the edge makes it: the form signed over the public URL, under a new idempotency token. */
export function signedWebhook(
  { authToken, publicUrl }: Pick<SimulationOptions, 'authToken' | 'publicUrl'>,
  path: string,
  form: Form,
  query: Form = {},
): SignedWebhook {
  const search = new URLSearchParams(query).toString();
  const target = search === '' ? path : `${path}?${search}`;
  return {
    target,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': computeSignature(authToken, publicUrl + target, form),
      'i-twilio-idempotency-token': randomUUID(),
    },
    body: new URLSearchParams(form).toString(),
  };
}

export class Sender {
  constructor(
    private readonly options: SimulationOptions,
    readonly tally: Tally,
    /** How often a delivery is repeated, from 0 to 1. */
    private readonly repeatRate: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** POSTs `form` to `path` (with `query`), signed with the account's token over the public URL. */
  async send(path: string, form: Form, query: Form = {}): Promise<Answer> {
    const { target, headers, body } = signedWebhook(this.options, path, form, query);
    const deliver = async (): Promise<Answer> => {
      const started = performance.now();
      const url = this.options.url + target;
      const response = await fetch(url, { method: 'POST', headers, body }).catch((error: Error) => {
        const cause = error.cause instanceof Error ? error.cause.message : error.message;
        throw new Error(`cannot reach ${this.options.url}: ${cause}`);
      });
      const answer = { status: response.status, body: await response.text() };
      this.tally.count(path, answer, performance.now() - started);
      return answer;
    };
    const first = await deliver();
    if (this.random() < this.repeatRate) {
      const again = await deliver();
      this.tally.repeated += 1;
      if (again.status !== first.status || again.body !== first.body) this.tally.inconsistent += 1;
    }
    return first;
  }
}
