// Snapshots of the derived tables, for comparing what two histories or two derivations produced.

import { type Insertable, sql } from 'kysely';
import type { Database } from '../../src/store/database.js';
import { type ConferencesTable, DERIVED_TABLES } from '../../src/store/schema.js';

/** The `n`th conference row of `accountSid`, in progress, with `changes` made to it. */
export const conferenceRow = (
  accountSid: string,
  n: number,
  changes: Partial<Insertable<ConferencesTable>> = {},
): Insertable<ConferencesTable> => ({
  account_sid: accountSid,
  sid: `CF${String(n).padStart(32, '0')}`,
  friendly_name: `room-${n}`,
  status: 'in-progress',
  region: 'us1',
  date_created: '2026-11-29T09:00:00.000Z',
  date_updated: '2026-11-29T09:00:00.000Z',
  reason_conference_ended: null,
  call_sid_ending_conference: null,
  platform_sid: null,
  ...changes,
});

export async function readModels(database: Database): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of DERIVED_TABLES) {
    const rows = await sql<{
      row: unknown;
    }>`SELECT to_jsonb(t) AS row FROM ${sql.table(table)} t ORDER BY 1`.execute(database.db);
    snapshot[table] = rows.rows.map((r) => r.row);
  }
  return snapshot;
}
