// The command line as every `conclave` command reads it: its words and options checked whole, so that a
// word or an option a command would ignore is told as a mistake, and `--help` shows the command's text.

import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake on the command line: told in one line, with exit code 2. */
export class UsageError extends Error {}

export interface Command {
  summary: string;
  usage: string;
  /** The settings it reads, for its --help. */
  environment: string;
  run(args: string[]): Promise<number>;
}

/** What a command that works on the database alone reads of the environment. */
export const DATABASE_ENVIRONMENT = 'DATABASE_URL (unset: embedded PGlite in DATA_DIR), DATA_DIR';

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(args: string[], options: ParseArgsConfig['options'] = {}): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The arguments, or undefined once help has been shown. `positionals` is how many words the command takes
 * besides its options (an action and what it acts on): one more is a mistake, not something to ignore.
 */
export function helpOr(
  args: string[],
  command: Command,
  options?: ParseArgsConfig['options'],
  positionals = 0,
): Parsed | undefined {
  const parsed = parse(args, options);
  if (parsed.values.help) {
    console.log(`${command.usage}\n\n${command.summary}\n\nEnvironment: ${command.environment}.`);
    return undefined;
  }
  const extra = parsed.positionals[positionals];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'; ${command.usage}`);
  return parsed;
}

/** What each action of a command takes: how many words, its own name included, and which options. */
export type Actions<Action extends string> = Record<Action, { words: number; options: string[] }>;

/**
 * The action named by the first word, once the rest of the command line is what it takes: a word or an
 * option it would ignore is a mistake (an operator who typed it meant something by it), not noise.
 */
export function actionOf<Action extends string>(parsed: Parsed, actions: Actions<Action>): Action {
  const [word] = parsed.positionals;
  const action = word !== undefined && Object.hasOwn(actions, word) ? (word as Action) : undefined;
  if (action === undefined) {
    const names = Object.keys(actions).map((name) => `'${name}'`);
    throw new UsageError(
      `expected ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got ${word === undefined ? 'nothing' : `'${word}'`}`,
    );
  }
  const takes = actions[action];
  const extra = parsed.positionals[takes.words];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' after ${action}`);
  const stray = Object.keys(parsed.values).find(
    (name) => name !== 'help' && parsed.values[name] !== undefined && !takes.options.includes(name),
  );
  if (stray !== undefined) throw new UsageError(`${action} does not take --${stray}`);
  return action;
}

/** A --limit value: digits only, 1 to 999,999,999. */
export function limitOf(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const limit = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (limit < 1) throw new UsageError('--limit takes a whole number from 1 to 999999999');
  return limit;
}
