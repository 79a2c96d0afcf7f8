// The benchmark scripts' command lines: a wrong option or value ends the script with one plain line and
// its usage, not a stack trace.

import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Ends the script with `message` and how to call it, as a usage error. */
export function usageError(message: string, usage: string): never {
  process.stderr.write(`${message}\nusage: ${usage}\n`);
  process.exit(2);
}

/** `process.argv` parsed by `config`; ends the script as a usage error if it does not fit. */
export function parseOptions<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    usageError((error as Error).message.split('\n')[0] ?? 'bad options', usage);
  }
}

/** `value` of option `name` as a whole number of at least `min`; a usage error otherwise. */
export function wholeNumber(name: string, value: string, min: number, usage: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min)
    usageError(`--${name} takes a whole number from ${min}`, usage);
  return number;
}
