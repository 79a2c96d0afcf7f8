// PGlite's `query` parses and plans its text at every call, and makes six calls into its WebAssembly to
// do it (parse, describe, bind, describe, execute, sync). A text that prepared.ts names is parsed once per
// database, under that name, and from then on runs as bind, execute and sync in one call: the row
// description its statement returns was kept when it was prepared. A text without parameters (BEGIN,
// COMMIT) goes as one simple query message, one call; a text with parameters run once, through `query`.
// Results are read by PGlite's own parser, given only the parsers of the types they hold: it copies the
// map it is given on every call, and PGlite's has 316 types (78 µs a result, measured, against 1 µs).

import { type messages, type PGlite, parse, protocol, type Results } from '@electric-sql/pglite';
import { preparedName } from './prepared.js';

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];
type Parsers = PGlite['parsers'];

interface Prepared {
  parameterTypes: number[];
  /** The statement's RowDescription, or undefined when it returns no rows. */
  rowDescription: BackendMessage | undefined;
  /** The parsers of the types its rows hold. */
  parsers: Parsers;
}

/**
 * PGlite's parsers for the types of the rows `messages` describe. Taken when a statement is prepared: were
 * PGlite ever told to reload its array types (`refreshArrayTypes`, which nothing here calls), a statement
 * prepared before would keep the parsers it had.
 */
function parsersOf(all: Parsers, messages: BackendMessage[]): Parsers {
  const parsers: Parsers = {};
  for (const message of messages) {
    if (message.name !== 'rowDescription') continue;
    for (const { dataTypeID } of (message as messages.RowDescriptionMessage).fields) {
      const parser = all[dataTypeID];
      if (parser !== undefined) parsers[dataTypeID] = parser;
    }
  }
  return parsers;
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
      parsers: parsersOf(pglite.parsers, messages),
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
    return parse.parseResults(described, statement.parsers)[0] as Results;
  }

  async function runSimple(text: string): Promise<Results> {
    const messages = await pglite.execProtocolStream(serialize.query(text));
    return parse.parseResults(messages, parsersOf(pglite.parsers, messages))[0] as Results;
  }

  // As `query` does: the protocol calls below would spin on a database not yet started, or fail obscurely
  // on one closed. Started before the lock is taken, since starting takes it too.
  const exclusive = async (step: () => Promise<Results>) => {
    await pglite.waitReady;
    return pglite.runExclusive(() => {
      if (pglite.closed) throw new Error('PGlite is closed');
      return step();
    });
  };

  return {
    query: (text, parameters) => {
      if (parameters.length === 0) return exclusive(() => runSimple(text));
      const name = preparedName(text);
      return name === undefined
        ? pglite.query(text, parameters)
        : exclusive(() => run(name, text, parameters));
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
