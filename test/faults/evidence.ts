// What a failed fault scenario leaves for whoever meets the failure next. Its seed alone may not bring the
// failure back, since the concurrent timing of its deliveries shapes the order too: so the scenario's
// deliveries, as sent and answered, and the event logs are written to test-output/faults/.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../src/store/database.js';
import type { Ledger } from './ledger.js';

const EVIDENCE = join(import.meta.dirname, '..', '..', 'test-output', 'faults');

/** A ledger's deliveries with what was sent, when, and what came back. */
export function sentBy(ledger: Ledger) {
  return ledger.deliveries.map(({ path, form, query, statuses, acknowledged, sentAt, ackedAt }) => ({
    path,
    form,
    query,
    statuses,
    acknowledged,
    sentAt,
    ackedAt,
  }));
}

/** A database's whole event log, in the order it was appended. */
export function eventLog(database: Database) {
  return database.db.selectFrom('events').selectAll().orderBy('global_position').execute();
}

/** Runs `checks`; when they fail, writes what `evidence` gathers to test-output/faults/<name>-<seed>.json. */
export async function keepingEvidence<T>(
  name: string,
  seed: number,
  evidence: () => Promise<unknown>,
  checks: () => Promise<T>,
): Promise<T> {
  try {
    return await checks();
  } catch (error) {
    const file = join(EVIDENCE, `${name}-${seed}.json`);
    mkdirSync(EVIDENCE, { recursive: true });
    writeFileSync(file, JSON.stringify(await evidence()));
    console.log(`${name}: the deliveries and the event log are in ${file}`);
    throw error;
  }
}
