// At scale, every conference list query must walk an index, never the whole table, and a deep page must
// cost what the first one does. PostgreSQL only: plans on PGlite say nothing about production.

import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conferenceSidLowerBound } from '../../src/domain/ids.js';
import { camelCased } from '../../src/reads/camel-case.js';
import { type ConferenceFilter, conferencesPageQuery, type PageRequest } from '../../src/reads/queries.js';
import { callSid } from '../helpers/commands.js';
import { postgresKind, type TestDatabase } from '../helpers/databases.js';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const NEIGHBOUR = `AC${'b'.repeat(32)}`;
const CONFERENCES = 100_000;
const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Conferences one minute apart (about 69 days), a thousand rooms, the newest instance of each room live,
 * and one participant each; their Sids carry their creation time as Conclave's do.
 */
async function seed(database: TestDatabase, account: string, count: number): Promise<void> {
  const conferenceSid = sql`'CF' || lpad(to_hex(${START}::bigint + i::bigint * ${MINUTE}), 12, '0') || lpad(to_hex(i), 20, '0')`;
  const created = sql`to_timestamp((${START}::bigint + i::bigint * ${MINUTE}) / 1000.0)`;
  await sql`
    INSERT INTO conferences (account_sid, sid, friendly_name, status, region, date_created, date_updated,
      reason_conference_ended, call_sid_ending_conference)
    SELECT ${account}, ${conferenceSid}, 'room-' || (i % 1000),
      CASE WHEN i <= ${count - 1000} THEN 'completed' WHEN i % 2 = 0 THEN 'in-progress' ELSE 'init' END,
      NULL, ${created}, ${created} + interval '30 seconds',
      CASE WHEN i <= ${count - 1000} THEN 'last-participant-left' END,
      CASE WHEN i <= ${count - 1000} THEN 'CA' || lpad(to_hex(i), 32, '0') END
    FROM generate_series(1, ${count}) AS i`.execute(database.db);
  await sql`
    INSERT INTO participants (account_sid, conference_sid, call_sid, label, status, muted, hold, coaching,
      call_sid_to_coach, start_conference_on_enter, end_conference_on_exit, beep, from_number, to_number,
      date_created, date_updated, date_left, left_reason)
    SELECT ${account}, ${conferenceSid}, 'CA' || lpad(to_hex(i), 32, '0'), NULL,
      CASE WHEN i <= ${count - 1000} THEN 'complete' ELSE 'connected' END, false, false, false, NULL, true,
      false, 'true', '+1555' || lpad((i % 5000)::text, 7, '0'), '+15550199', ${created}, ${created}, NULL, NULL
    FROM generate_series(1, ${count}) AS i`.execute(database.db);
}

/** The Sid of the i-th seeded conference. */
function sidAt(i: number): string {
  const bound = conferenceSidLowerBound(START + i * MINUTE);
  return bound.slice(0, 14) + i.toString(16).padStart(20, '0');
}

const FILTERS: Record<string, ConferenceFilter> = {
  'no filter': {},
  'Status=completed': { status: 'completed' },
  'Status=in-progress': { status: 'in-progress' },
  'Status=init': { status: 'init' },
  FriendlyName: { friendlyName: 'room-42' },
  DateCreated: { created: { from: START + 30 * DAY, before: START + 31 * DAY } },
  'DateCreated<': { created: { before: START + 40 * DAY } },
  'DateCreated>': { created: { from: START + 10 * DAY } },
  DateUpdated: { updated: { from: START + 30 * DAY, before: START + 31 * DAY } },
  'DateUpdated<': { updated: { before: START + 40 * DAY } },
  'DateUpdated>': { updated: { from: START + 10 * DAY } },
  'Status and DateCreated>': { status: 'completed', created: { from: START + 10 * DAY } },
  'FriendlyName and DateUpdated<': { friendlyName: 'room-42', updated: { before: START + 40 * DAY } },
  'CallSid (extension)': { callSid: callSid(4242) },
  'PhoneNumber, rare (extension)': { phoneNumber: '+15550004242' },
  'PhoneNumber, everyone’s (extension)': { phoneNumber: '+15550199' },
};

const PAGES: Record<string, PageRequest<string>> = {
  first: { size: 50, cursor: null },
  // Page 1,000 of 50, reached by its token.
  deep: { size: 50, cursor: { direction: 'after', key: sidAt(50_000) } },
  'deep, going back': { size: 50, cursor: { direction: 'before', key: sidAt(50_000) } },
};

describe.skipIf(postgresKind === undefined)(`conference list plans at ${CONFERENCES} conferences`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await (postgresKind as NonNullable<typeof postgresKind>).create();
    await seed(database, ACCOUNT, CONFERENCES);
    await seed(database, NEIGHBOUR, 20_000);
    // Vacuumed as well as analysed, so that autovacuum, which the inserts invite, has nothing left to change
    // (a visibility map filled halfway through would change the costs of the plans under test).
    await sql`VACUUM ANALYZE conferences, participants`.execute(database.db);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
  });

  async function explain(
    filter: ConferenceFilter,
    page: PageRequest<string>,
    options = '',
  ): Promise<unknown[]> {
    const query = conferencesPageQuery(camelCased(database.db), ACCOUNT, filter, page).compile();
    const result = await database.db.executeQuery<{ 'QUERY PLAN': unknown }>(
      CompiledQuery.raw(`EXPLAIN ${options} ${query.sql}`, [...query.parameters]),
    );
    return result.rows.map((row) => row['QUERY PLAN']);
  }

  for (const [filterName, filter] of Object.entries(FILTERS)) {
    for (const [pageName, page] of Object.entries(PAGES)) {
      it(`${filterName}, ${pageName} page: index scans, no sequential scan of conferences`, async () => {
        const plan = (await explain(filter, page)).join('\n');
        if (process.env.SHOW_PLANS) console.log(`${filterName}, ${pageName}\n${plan}`);
        expect(plan, plan).not.toMatch(/Seq Scan on conferences/);
        expect(plan, plan).toMatch(
          /Index (Only )?Scan (Backward )?using \w+ on conferences|Bitmap Index Scan on conferences_/,
        );
      });
    }
  }

  // Where the order of an index is the order of the list, a page reads what it shows and no more.
  it.each(['no filter', 'Status=completed', 'FriendlyName', 'DateCreated>', 'Status and DateCreated>'])(
    '%s: the deep page reads as few rows as the first',
    async (filterName) => {
      for (const page of Object.values(PAGES)) {
        const [json] = await explain(FILTERS[filterName] as ConferenceFilter, page, '(ANALYZE, FORMAT JSON)');
        // pg parses the json column; the plan is its only element.
        const root = (json as [{ Plan: PlanNode }])[0].Plan;
        const scanned = scannedRows(root);
        expect(scanned).toBeGreaterThan(0);
        expect(scanned).toBeLessThanOrEqual(page.size + 1);
      }
    },
  );
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

/** Rows the scans of conferences produced. */
function scannedRows(node: PlanNode): number {
  const own = node['Relation Name'] === 'conferences' ? node['Actual Rows'] * node['Actual Loops'] : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + scannedRows(child), 0);
}
