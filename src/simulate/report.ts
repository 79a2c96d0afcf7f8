// How a simulation shows itself: one progress line while it runs, a summary at the end.

import type { Progress } from './simulate.js';

export function progressLine({ roomsDone, rooms, counts, tally, seconds }: Progress): string {
  return `simulate: ${seconds.toFixed(1)} s, rooms ${roomsDone}/${rooms}, calls ${counts.calls}, requests ${tally.total}, failures ${tally.failed}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** Requests per route: a callback URL's query (the room it names) does not make another route. */
export function requestsPerRoute(requests: ReadonlyMap<string, number>): Map<string, number> {
  const routes = new Map<string, number>();
  for (const [target, n] of requests) {
    const route = target.split('?')[0]?.replace('/webhooks/', '') ?? target;
    routes.set(route, (routes.get(route) ?? 0) + n);
  }
  return routes;
}

export function summaryLines({ rooms, counts, tally, seconds }: Progress, target: string): string[] {
  const routes = [...requestsPerRoute(tally.requests)].map(([route, n]) => `${route} ${n}`);
  const latencies = [...tally.latencies].sort((a, b) => a - b);
  const ms = (p: number) => `${percentile(latencies, p).toFixed(1)} ms`;
  const lines = [
    `Simulated ${rooms} rooms against ${target} in ${seconds.toFixed(1)} s`,
    `  calls:       ${counts.calls} placed, ${counts.joined} joined, ${counts.turnedAway} turned away by a full room`,
    `  conferences: ${counts.instances} instances, ${counts.endedByModerator} ended by a moderator leaving`,
    `  platform:    ${counts.platformSids} platform Sids adopted, ${counts.endsCorrected} ends corrected, ${counts.movedCalls} calls moved, ${counts.recordings} recordings`,
    `  requests:    ${tally.total} (${routes.join(', ')}), ${tally.repeated} delivered twice, ${tally.inconsistent} of those answered differently`,
    `  latency:     p50 ${ms(50)}, p95 ${ms(95)}, max ${ms(100)}; ${(tally.total / Math.max(seconds, 0.001)).toFixed(0)} requests/s`,
  ];
  if (tally.failures.size === 0) return [...lines, '  failures:    none'];
  lines.push(`  failures:    ${tally.failed}`);
  for (const [status, failure] of tally.failures) {
    lines.push(`    ${status} ×${failure.count}: ${failure.example}`);
  }
  if (tally.failures.has(403)) {
    lines.push("  (403: check --account and --token, and that --public-url is the server's PUBLIC_URL)");
  }
  return lines;
}
