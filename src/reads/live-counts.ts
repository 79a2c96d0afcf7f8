// How much is live right now, across every account: what /metrics reports as gauges.

import { type Kysely, sql } from 'kysely';
import type { DB } from '../store/schema.js';

export async function liveCounts(db: Kysely<DB>): Promise<{ conferences: number; participants: number }> {
  const { rows } = await sql<{ conferences: string; participants: string }>`
    SELECT (SELECT count(*) FROM conferences WHERE status <> 'completed') AS conferences,
           (SELECT count(*) FROM participants WHERE status = 'connected') AS participants`.execute(db);
  const row = rows[0];
  return { conferences: Number(row?.conferences ?? 0), participants: Number(row?.participants ?? 0) };
}
