// Prometheus metrics at /metrics: HTTP traffic by route and status, what webhooks came to, how long the
// append transaction and its locks take, the connection pool, and how many conferences and participants
// are live. Each app has its own registry, so that several apps in one process (tests) never share counts.

import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreObserver } from './commands/index.js';
import { readsOf } from './reads/index.js';
import type { Database } from './store/database.js';

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
  /** A `<Conference>` attribute value Twilio would only warn about, replaced by its default. */
  attributeWarning(attribute: string): void;
  store: StoreObserver;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

/** A gauge read from the database at each scrape, so that every replica reports the same truth. */
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

function createMetrics(database: Database): Metrics {
  const registry = new Registry();
  const outcomes = new Counter({
    name: 'conclave_webhook_outcomes_total',
    help: 'Webhook deliveries by what they came to',
    labelNames: ['outcome'],
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
      const usage = database.poolUsage();
      this.set({ state: 'total' }, usage.total);
      this.set({ state: 'idle' }, usage.idle);
      this.set({ state: 'waiting' }, usage.waiting);
    },
  });
  const reads = readsOf(database.db);
  liveGauge(
    registry,
    'conclave_live_conferences',
    'Conferences not completed',
    async () => (await reads.liveCounts()).conferences,
  );
  liveGauge(
    registry,
    'conclave_live_participants',
    'Participants connected to a conference',
    async () => (await reads.liveCounts()).participants,
  );
  return {
    registry,
    webhookOutcome: (outcome) => outcomes.inc({ outcome }),
    attributeWarning: (attribute) => warnings.inc({ attribute }),
    store: {
      lockWait: (seconds) => lockWaitSeconds.observe(seconds),
      transaction: (seconds) => appendSeconds.observe(seconds),
    },
  };
}

const plugin: FastifyPluginAsync<{ database: Database }> = async (app, { database }) => {
  const metrics = createMetrics(database);
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
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};

export const metricsPlugin = fp(plugin, { name: 'metrics' });
