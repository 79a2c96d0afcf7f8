// PGlite's `query` parses and plans its text at every call, and makes six calls into its WebAssembly to
// do it (parse, describe, bind, describe, execute, sync). A text that prepared.ts names is parsed once per
// database, under that name, and from then on runs as bind, execute and sync in one call: the row
// description its statement returns was kept when it was prepared. Texts without parameters (BEGIN, COMMIT,
// migration scripts) and texts run once go through `query` as before.

import { type PGlite, parse, protocol, type Results } from '@electric-sql/pglite';
import { preparedName } from './prepared.js';

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

interface Prepared {
  parameterTypes: number[];
  /** The statement's RowDescription, or undefined when it returns no rows. */
  rowDescription: BackendMessage | undefined;
}

/** What Kysely's PGlite dialect calls on the database it is given. */
export interface PGliteQueries {
  query(text: string, parameters: unknown[]): Promise<Results>;
  close(): Promise<void>;
}

export function preparingQueries(pglite: PGlite): PGliteQueries {
  const prepared = new Map<string, Prepared>();
  const { serialize } = protocol;

  async function prepare(name: string, text: string): Promise<Prepared> {
    const messages = await pglite.execProtocolStream(
      join([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
      { syncToFs: false },
    );
    const statement = {
      parameterTypes: parse.parseDescribeStatementResults(messages),
      rowDescription: messages.find((message) => message.name === 'rowDescription'),
    };
    prepared.set(name, statement);
    return statement;
  }

  async function run(name: string, text: string, parameters: unknown[]): Promise<Results> {
    const statement = prepared.get(name) ?? (await prepare(name, text));
    const values = parameters.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pglite.serializers[statement.parameterTypes[i] ?? 0];
      return serializer ? serializer(value) : String(value);
    });
    const messages = await pglite.execProtocolStream(
      join([serialize.bind({ statement: name, values }), serialize.execute({}), serialize.sync()]),
    );
    const described = statement.rowDescription ? [statement.rowDescription, ...messages] : messages;
    return parse.parseResults(described, pglite.parsers)[0] as Results;
  }

  return {
    query: (text, parameters) => {
      const name = parameters.length > 0 ? preparedName(text) : undefined;
      return name === undefined
        ? pglite.query(text, parameters)
        : pglite.runExclusive(() => run(name, text, parameters));
    },
    close: () => pglite.close(),
  };
}

function join(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
