// Prometheus metrics at /metrics: HTTP traffic by route and status, what webhooks came to, how long the
// append transaction and its locks take, the connection pool, and how many conferences and participants
// are live. Each app has its own registry, so that several apps in one process (tests) never share counts.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallbackObserver } from './commands/callbacks/deliverer.js';
import type { StoreObserver } from './commands/index.js';
import type { Reads } from './reads/index.js';
import type { PoolUsage } from './store/database.js';
import type { UnavailableCause } from './store/errors.js';

export type WebhookOutcome =
  | 'joined'
  | 'rejected-full'
  | 'rejected-ended'
  | 'rejected-label'
  | 'rejected-coach'
  | 'rejected-attribute'
  | 'applied'
  | 'duplicate'
  | 'ignored';

export interface Metrics {
  registry: Registry;
  webhookOutcome(outcome: WebhookOutcome): void;
  /** A request answered 503, by why. */
  unavailable(cause: UnavailableCause): void;
  /** A `<Conference>` attribute value Twilio would only warn about, replaced by its default. */
  attributeWarning(attribute: string): void;
  store: StoreObserver;
  callbacks: CallbackObserver;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

/** How long one reading of the live counts serves scrapes: a scraper hammering /metrics costs the
 * database at most one query per this many milliseconds. */
export const LIVE_COUNTS_TTL_MS = 5000;

/** `read`, at most once per `ttlMs` by `clock`; callers in between share the reading (or the one in flight). */
function cached<T>(read: () => Promise<T>, ttlMs: number, clock: () => number): () => Promise<T> {
  let reading: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = clock();
    if (reading === undefined || now - reading.at >= ttlMs) {
      const value = read();
      reading = { at: now, value };
      // A failed reading is not kept: the next scrape asks again.
      value.catch(() => {
        if (reading?.value === value) reading = undefined;
      });
    }
    return reading.value;
  };
}

/** A gauge read from the database (every replica reports the same truth), through the cache above. */
function liveGauge(registry: Registry, name: string, help: string, count: () => Promise<number>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await count());
    },
  });
}

/** What the gauges read: every replica reports the same truth from the database. */
type GaugeReads = Pick<Reads, 'liveCounts' | 'callbackBacklog'>;

function createMetrics(
  reads: GaugeReads,
  poolUsage: () => PoolUsage,
  clock: () => number = Date.now,
): Metrics {
  const registry = new Registry();
  const outcomes = new Counter({
    name: 'conclave_webhook_outcomes_total',
    help: 'Webhook deliveries by what they came to',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const unavailable = new Counter({
    name: 'conclave_unavailable_total',
    help: 'Requests answered 503 by cause: outage (the database is away), deadlock, lock-timeout',
    labelNames: ['cause'],
    registers: [registry],
  });
  const warnings = new Counter({
    name: 'conclave_attribute_warnings_total',
    help: 'Conference attribute values Twilio would warn about, replaced by their defaults',
    labelNames: ['attribute'],
    registers: [registry],
  });
  const appendSeconds = new Histogram({
    name: 'conclave_append_transaction_seconds',
    help: 'Duration of the webhook transaction, commit included',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const lockWaitSeconds = new Histogram({
    name: 'conclave_room_lock_wait_seconds',
    help: 'Time spent getting the call and room locks',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'conclave_db_pool_connections',
    help: 'Database connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const usage = poolUsage();
      this.set({ state: 'total' }, usage.total);
      this.set({ state: 'idle' }, usage.idle);
      this.set({ state: 'waiting' }, usage.waiting);
    },
  });
  const liveCounts = cached(() => reads.liveCounts(), LIVE_COUNTS_TTL_MS, clock);
  liveGauge(
    registry,
    'conclave_live_conferences',
    'Conferences not completed',
    async () => (await liveCounts()).conferences,
  );
  liveGauge(
    registry,
    'conclave_live_participants',
    'Participants connected to a conference',
    async () => (await liveCounts()).participants,
  );
  const callbacks = new Counter({
    name: 'conclave_callbacks_total',
    help: "Attempts at the app's callbacks by this process, by what they came to (delivered, retried, failed)",
    labelNames: ['outcome'],
    registers: [registry],
  });
  liveGauge(
    registry,
    'conclave_callbacks_pending',
    'Callbacks to apps and account sinks not yet delivered or given up',
    async () => (await reads.callbackBacklog()).pending,
  );
  liveGauge(
    registry,
    'conclave_callbacks_failed',
    'Callbacks given up after CALLBACK_RETRY_FOR',
    async () => (await reads.callbackBacklog()).failed,
  );
  liveGauge(
    registry,
    'conclave_callback_lag_seconds',
    'Age of the oldest pending callback: how far delivery is behind the event log',
    async () => (await reads.callbackBacklog()).lagSeconds,
  );
  return {
    registry,
    webhookOutcome: (outcome) => outcomes.inc({ outcome }),
    unavailable: (cause) => unavailable.inc({ cause }),
    callbacks: {
      delivered: () => callbacks.inc({ outcome: 'delivered' }),
      retried: () => callbacks.inc({ outcome: 'retried' }),
      failed: () => callbacks.inc({ outcome: 'failed' }),
    },
    attributeWarning: (attribute) => warnings.inc({ attribute }),
    store: {
      lockWait: (seconds) => lockWaitSeconds.observe(seconds),
      transaction: (seconds) => appendSeconds.observe(seconds),
    },
  };
}

export interface MetricsOptions {
  reads: GaugeReads;
  poolUsage: () => PoolUsage;
  /** METRICS_TOKEN: when set, a scrape must carry it as a bearer token. */
  token: string | null;
  clock?: () => number;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether the request carries `token` as its bearer token; compared in constant time. */
function bearerMatches(request: FastifyRequest, token: string): boolean {
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(request.headers.authorization ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

const plugin: FastifyPluginAsync<MetricsOptions> = async (app, { reads, poolUsage, token, clock }) => {
  const metrics = createMetrics(reads, poolUsage, clock);
  const requests = new Counter({
    name: 'conclave_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [metrics.registry],
  });
  const durations = new Histogram({
    name: 'conclave_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [metrics.registry],
  });
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, so that Sids and names do not make a label per conference.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    durations.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (request, reply) => {
    if (token !== null && !bearerMatches(request, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .type('text/plain')
        .send('Unauthorized: /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};

export const metricsPlugin = fp(plugin, { name: 'metrics' });
