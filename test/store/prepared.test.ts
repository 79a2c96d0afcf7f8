import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDatabase } from '../../src/store/database.js';
import { MAX_COUNTED, MAX_PREPARED, preparedName, preparedQuery } from '../../src/store/prepared.js';
import { databaseKinds, postgresKind, type TestDatabase } from '../helpers/databases.js';

const uniqueText = () => `SELECT ${randomBytes(8).readUInt32BE()} AS "n${randomBytes(4).toString('hex')}"`;

describe.each(databaseKinds)('prepared statements on $name', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await kind.create();
  });
  afterAll(() => database.drop());

  it('are what the database runs a repeated text as, with its parameters, and not a text run once', async () => {
    const marker = randomBytes(4).toString('hex');
    const repeated = (n: number) =>
      sql<{ n: number }>`SELECT ${n}::int + 1 AS ${sql.id(`repeated_${marker}`)}`;
    const once = sql`SELECT ${1}::int AS ${sql.id(`once_${marker}`)}`;
    const { answers, prepared } = await database.db.transaction().execute(async (trx) => {
      const answers = [];
      for (const n of [1, 2, 3]) answers.push(Object.values((await repeated(n).execute(trx)).rows[0] ?? {}));
      await once.execute(trx);
      const listed = await sql<{ statement: string }>`
        SELECT statement FROM pg_prepared_statements WHERE statement LIKE ${`%${marker}%`}`.execute(trx);
      return { answers, prepared: listed.rows.map((row) => row.statement) };
    });
    expect(answers).toEqual([[2], [3], [4]]);
    expect(prepared).toEqual([repeated(0).compile(database.db).sql]);
  });

  it('give values of each type from a text without parameters as from one with them', async () => {
    const { rows } = await sql
      .raw<{ at: Date; doc: unknown; flag: boolean; note: string; n: number }>(
        `SELECT '2026-11-29T12:00:01Z'::timestamptz AS at, '{"n": [1]}'::jsonb AS doc, true AS flag,
                'a note' AS note, 7::int AS n`,
      )
      .execute(database.db);
    expect(rows).toEqual([
      { at: new Date('2026-11-29T12:00:01Z'), doc: { n: [1] }, flag: true, note: 'a note', n: 7 },
    ]);
  });

  it('give back what the text run afresh gives: values of each type, nulls and counts of rows changed', async () => {
    const marker = randomBytes(4).toString('hex');
    await sql`CREATE TABLE ${sql.id(`kept_${marker}`)} (n bigint, doc jsonb, at timestamptz, flag boolean, note text)`.execute(
      database.db,
    );
    const insert = (n: number, note: string | null) =>
      sql`INSERT INTO ${sql.id(`kept_${marker}`)} VALUES (${n}, ${JSON.stringify({ n, list: [n] })}::jsonb,
        ${new Date(Date.UTC(2026, 10, 29, 12, 0, n))}, ${n % 2 === 0}, ${note})`;
    const read = (from: number) =>
      sql<{ n: string | number; doc: unknown; at: Date; flag: boolean; note: string | null }>`
        SELECT n, doc, at, flag, note FROM ${sql.id(`kept_${marker}`)} WHERE n >= ${from} ORDER BY n`;
    const inserted = [];
    for (const n of [1, 2, 3])
      inserted.push((await insert(n, n === 2 ? null : `note ${n}`).execute(database.db)).numAffectedRows);
    expect(inserted).toEqual([1n, 1n, 1n]);
    // The first read runs the text afresh, the second prepares it, the third runs what was prepared.
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push((await read(1).execute(database.db)).rows);
    expect(reads[1]).toEqual(reads[0]);
    expect(reads[2]).toEqual(reads[0]);
    // PGlite gives a bigint as a number, pg as a string, prepared or not.
    expect(reads[0]?.map((row) => ({ ...row, n: Number(row.n) }))).toEqual([
      { n: 1, doc: { n: 1, list: [1] }, at: new Date('2026-11-29T12:00:01Z'), flag: false, note: 'note 1' },
      { n: 2, doc: { n: 2, list: [2] }, at: new Date('2026-11-29T12:00:02Z'), flag: true, note: null },
      { n: 3, doc: { n: 3, list: [3] }, at: new Date('2026-11-29T12:00:03Z'), flag: false, note: 'note 3' },
    ]);
    expect((await read(3).execute(database.db)).rows).toEqual(reads[0]?.slice(2));
    const update = (n: number) => sql`UPDATE ${sql.id(`kept_${marker}`)} SET flag = true WHERE n <= ${n}`;
    const changed = [];
    for (const n of [1, 3]) changed.push((await update(n).execute(database.db)).numAffectedRows);
    expect(changed).toEqual([1n, 3n]);
  });

  it('fail as the text run afresh fails, and leave the session usable after', async () => {
    const marker = randomBytes(4).toString('hex');
    await sql`CREATE TABLE ${sql.id(`unique_${marker}`)} (n int PRIMARY KEY)`.execute(database.db);
    const insert = (n: number) => sql`INSERT INTO ${sql.id(`unique_${marker}`)} VALUES (${n})`;
    await insert(1).execute(database.db);
    await insert(2).execute(database.db);
    await expect(insert(2).execute(database.db)).rejects.toMatchObject({ code: '23505' });
    const rolledBack = database.db.transaction().execute(async (trx) => {
      await insert(3).execute(trx);
      await insert(1).execute(trx);
    });
    await expect(rolledBack).rejects.toMatchObject({ code: '23505' });
    await insert(4).execute(database.db);
    const held = await sql<{ n: number }>`SELECT n FROM ${sql.id(`unique_${marker}`)} ORDER BY n`.execute(
      database.db,
    );
    expect(held.rows.map((row) => row.n)).toEqual([1, 2, 4]);
  });
});

describe.skipIf(!postgresKind)('prepared statements on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await (postgresKind as NonNullable<typeof postgresKind>).create();
  });
  afterAll(() => database.drop());

  it('are never a text without parameters, which may be a script of several statements', async () => {
    const script = sql.raw('CREATE TEMP TABLE IF NOT EXISTS scratch (n int); INSERT INTO scratch VALUES (1)');
    const counted = await database.db.connection().execute(async (connection) => {
      for (let i = 0; i < 3; i++) await script.execute(connection);
      return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM scratch`.execute(connection)).rows[0]
        ?.n;
    });
    expect(counted).toBe(3);
  });
});

// Last: the bound, once reached, names nothing more in this file.
describe('which statement texts are prepared', () => {
  it('names a text from its second use, always by the same name, and no two texts alike', () => {
    const [a, b] = [uniqueText(), uniqueText()];
    expect(preparedName(a)).toBeUndefined();
    expect(preparedName(b)).toBeUndefined();
    const named = preparedName(a);
    expect(named).toBeDefined();
    expect(preparedName(a)).toBe(named);
    expect(preparedName(b)).not.toBe(named);
    expect(preparedName(b)).toBe(preparedName(b));
  });

  it('names a registered text from its first use', () => {
    const text = uniqueText();
    preparedQuery(text);
    expect(preparedName(text)).toBeDefined();
  });

  it('still sees a text repeat after many others were run once', () => {
    for (let i = 0; i <= MAX_COUNTED; i++) preparedName(uniqueText());
    const repeated = uniqueText();
    expect(preparedName(repeated)).toBeUndefined();
    expect(preparedName(repeated)).toBeDefined();
  });

  it('stops naming new texts at its bound, and keeps the names it gave', () => {
    const early = uniqueText();
    preparedName(early);
    const earlyName = preparedName(early);
    for (let i = 0; i < MAX_PREPARED; i++) preparedQuery(uniqueText());
    const late = uniqueText();
    preparedName(late);
    expect(preparedName(late)).toBeUndefined();
    expect(preparedName(early)).toBe(earlyName);
  });
});

describe('PGlite asked before it has started', () => {
  it('answers once started, in and out of a transaction', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'conclave-early-'));
    const database = pgliteDatabase(new PGlite(dataDir));
    try {
      const answered = await database.db
        .transaction()
        .execute(async (trx) => (await sql<{ n: number }>`SELECT ${41}::int + 1 AS n`.execute(trx)).rows);
      expect(answered).toEqual([{ n: 42 }]);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
