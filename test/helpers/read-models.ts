// Rows of the read models for tests: made, snapshotted to compare two histories or derivations, and the pages
// read to change them.

import { type Insertable, sql } from 'kysely';
import { CONFERENCE_TYPES } from '../../src/reads/projection.js';
import { type ChangeRow, insertRows } from '../../src/store/bulk-write.js';
import type { Database } from '../../src/store/database.js';
import type { Executor } from '../../src/store/executor.js';
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

/** A change to the region of the `n`th conference of `accountSid`: a column no index holds. */
export const regionChange = (accountSid: string, n: number, region: string): ChangeRow<'conferences'> => ({
  account_sid: accountSid,
  sid: conferenceRow(accountSid, n).sid,
  changed: { region },
});

/**
 * The pages of the conferences table and its indexes that `run` reads. The counts are the session's own
 * until it reports them, at the end of a transaction at the soonest: run both inside one.
 */
export async function conferencePagesRead(executor: Executor, run: () => Promise<unknown>): Promise<number> {
  const pages = async () =>
    Number(
      (
        await sql<{ pages: string }>`
          SELECT sum(pg_stat_get_xact_blocks_fetched(oid))::text AS pages FROM pg_class
          WHERE oid = 'conferences'::regclass
             OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'conferences'::regclass)`.execute(
          executor,
        )
      ).rows[0]?.pages,
    );
  const before = await pages();
  await run();
  return (await pages()) - before;
}

/**
 * Inserts the first conference of `accountSid` and runs `update` on it often enough for a session to keep
 * its plan, made for a table of one row; then grows the table to 20,000 conferences.
 */
export async function planOnOneRowThenGrow(
  executor: Executor,
  accountSid: string,
  update: (changes: ChangeRow<'conferences'>[]) => Promise<unknown>,
): Promise<void> {
  await insertRows(executor, 'conferences', CONFERENCE_TYPES, [conferenceRow(accountSid, 1)]).execute();
  for (let run = 0; run < 8; run++) await update([regionChange(accountSid, 1, `r${run}`)]);
  const more = Array.from({ length: 19_999 }, (_, i) => conferenceRow(accountSid, i + 2));
  await insertRows(executor, 'conferences', CONFERENCE_TYPES, more).execute();
}

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
