import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COUNTED, MAX_PREPARED, preparedName, preparedQuery } from '../../src/store/prepared.js';
import { postgresKind, type TestDatabase } from '../helpers/databases.js';

const uniqueText = () => `SELECT ${randomBytes(8).readUInt32BE()} AS "n${randomBytes(4).toString('hex')}"`;

describe.skipIf(!postgresKind)('prepared statements on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await (postgresKind as NonNullable<typeof postgresKind>).create();
  });
  afterAll(() => database.drop());

  it('are what a connection runs a repeated text as, with its parameters, and not a text run once', async () => {
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
