// The telephony edge as the fault scenarios need it: signed webhooks, each delivery under an idempotency
// token of its own that its retries repeat, retried after a 503 or a connection that gave no answer (the
// server killed or restarting) until a deadline, every attempt written to the ledger. It stands in for the
// simulator's sender, so the simulator's call flows drive it.

import { randomUUID } from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { computeSignature } from '../../src/signature.js';
import type { SimulationOptions } from '../../src/simulate/options.js';
import { type FlowCounts, NO_COUNTS, runRoom } from '../../src/simulate/room-flow.js';
import { type Answer, Sender, Tally } from '../../src/simulate/sender.js';
import type { Delivery, Form, Ledger, Request } from './ledger.js';

/** Sends one attempt; null when no answer came. */
export type Transport = (request: Request) => Promise<Answer | null>;

/** Over HTTP to whichever server `base` names at the time of each attempt (a load balancer's pick). */
export function httpTransport(base: () => string): Transport {
  return async ({ target, headers, body }) => {
    try {
      const response = await fetch(base() + target, { method: 'POST', headers, body });
      return { status: response.status, body: await response.text() };
    } catch {
      return null;
    }
  };
}

/** Straight into an app in this process. */
export function injectTransport(app: FastifyInstance): Transport {
  return async ({ target, headers, body }) => {
    const response = await app.inject({ method: 'POST', url: target, headers, payload: body });
    return { status: response.statusCode, body: response.body };
  };
}

export interface EdgeAccount {
  accountSid: string;
  authToken: string;
  /** The PUBLIC_URL the servers check signatures against. */
  publicUrl: string;
}

/** Longest a retry waits, so that a server back from a fault is found within a few tenths of a second. */
const MAX_BACKOFF_MS = 400;

export interface EdgeOptions {
  /** How long one delivery is retried before the edge gives up on it, as Twilio's budget does. */
  deadlineMs?: number;
  /** The share of deliveries sent twice at once, as when a retry races the attempt it repeats. */
  doubled?: number;
  random?: () => number;
  /** Plays a platform that names no ConferenceSid in its callbacks (a Twilio-compatible one, say). */
  withoutConferenceSids?: boolean;
}

export class Edge extends Sender {
  private readonly deadlineMs: number;
  private readonly doubled: number;
  private readonly pick: () => number;
  private readonly withoutConferenceSids: boolean;

  constructor(
    private readonly account: EdgeAccount,
    private readonly transport: Transport,
    readonly ledger: Ledger,
    {
      deadlineMs = 60_000,
      doubled = 0,
      random = Math.random,
      withoutConferenceSids = false,
    }: EdgeOptions = {},
  ) {
    super(simulationOptions(account), new Tally(), 0);
    this.withoutConferenceSids = withoutConferenceSids;
    this.deadlineMs = deadlineMs;
    this.doubled = doubled;
    this.pick = random;
  }

  /** Signs `form` for `path` + `query` and delivers it until it gets an answer other than 503. */
  override async send(path: string, given: Form, query: Form = {}): Promise<Answer> {
    const { ConferenceSid: _named, ...unnamed } = given;
    const form = this.withoutConferenceSids ? unnamed : given;
    const search = new URLSearchParams(query).toString();
    const target = search === '' ? path : `${path}?${search}`;
    const token = randomUUID();
    const request: Request = {
      target,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': computeSignature(this.account.authToken, this.account.publicUrl + target, form),
        'i-twilio-idempotency-token': token,
      },
      body: new URLSearchParams(form).toString(),
    };
    const delivery = this.ledger.open(request, token, path, form, query);
    if (this.pick() >= this.doubled) return this.deliver(delivery);
    const [first, second] = await Promise.all([this.deliver(delivery), this.deliver(delivery)]);
    this.ledger.compare(delivery, first, second);
    return first;
  }

  private async deliver(delivery: Delivery): Promise<Answer> {
    const giveUpAt = Date.now() + this.deadlineMs;
    for (let backoff = 25; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
      const started = performance.now();
      const answer = await this.transport(delivery.request);
      this.ledger.answered(delivery, answer?.status ?? null, answer?.body ?? '', performance.now() - started);
      if (answer !== null && answer.status !== 503) return answer;
      // Retrying is the edge's own policy, not a wait for the server: it tries again until it answers.
      if (Date.now() >= giveUpAt) return answer ?? { status: 0, body: 'no answer' };
      await pause(backoff);
      this.ledger.retried();
    }
  }
}

/** The form of every webhook about call `callSid`, with `extra` added. */
export function callFormOf(account: EdgeAccount, callSid: string) {
  return (extra: Record<string, string> = {}) => ({
    AccountSid: account.accountSid,
    CallSid: callSid,
    From: '+15550100',
    To: '+15550199',
    ...extra,
  });
}

/** The voice webhook of a call that is not part of any flow: a probe of what the server does now. */
export function probeJoin(edge: Edge, account: EdgeAccount, callSid: string, room: string): Promise<Answer> {
  const form = { AccountSid: account.accountSid, CallSid: callSid, CallStatus: 'ringing', From: '+15550100' };
  return edge.send('/webhooks/voice', form, { FriendlyName: room });
}

function simulationOptions(account: EdgeAccount): SimulationOptions {
  return {
    url: account.publicUrl,
    publicUrl: account.publicUrl,
    accountSid: account.accountSid,
    authToken: account.authToken,
    rooms: 1,
    callers: 1,
    duration: 0,
  };
}

/**
 * The seed of a scenario's random choices: `FAULT_SEED` to replay a run, a new one otherwise. It is printed
 * before the scenario runs, so that a failing run names the seed that replays it.
 */
export function faultSeed(scenario: string): number {
  const seed = Number(process.env.FAULT_SEED) || Date.now();
  console.log(`${scenario}: seed ${seed} (replay with FAULT_SEED=${seed})`);
  return seed;
}

/** A small seeded generator, so that a failing run can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plays the simulator's call flows in `rooms` rooms at once through `edge`, at full speed. */
export async function playRooms(
  edge: Edge,
  account: EdgeAccount,
  rooms: string[],
  callers: number,
  random: () => number,
): Promise<FlowCounts> {
  const counts: FlowCounts = { ...NO_COUNTS };
  const context = {
    sender: edge,
    accountSid: account.accountSid,
    publicUrl: account.publicUrl,
    callers,
    // The fault checks replay each room's requests apart; a moved call ties two rooms together.
    moves: false,
    random,
    pause: async () => {},
    counts,
  };
  await Promise.all(rooms.map((room) => runRoom(context, room)));
  return counts;
}
