#!/usr/bin/env node

// The `conclave` command. Each subcommand (src/cli/) reads the server's environment, or the part of it that
// it uses; failures end with one plain line on stderr and a non-zero exit, never a stack trace.

import { accounts } from './cli/accounts.js';
import { type Command, UsageError } from './cli/arguments.js';
import { callbacks } from './cli/callbacks.js';
import { keys } from './cli/keys.js';
import { migrate } from './cli/migrate.js';
import { reap } from './cli/reap.js';
import { rebuild } from './cli/rebuild.js';
import { serve } from './cli/serve.js';
import { simulate } from './cli/simulate.js';
import { verify } from './cli/verify.js';
import { ConfigError } from './config.js';
import { isDatabaseUnavailable } from './store/errors.js';

const commands: Record<string, Command> = {
  serve,
  migrate,
  rebuild,
  verify,
  reap,
  accounts,
  callbacks,
  keys,
  simulate,
};

function usage(): string {
  const lines = Object.entries(commands).map(
    ([name, c]) => `  ${name.padEnd(9)} ${c.summary.split('\n')[0]}`,
  );
  return `Usage: conclave <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'conclave <command> --help' for more.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' && args[0] !== undefined && Object.hasOwn(commands, args[0]))
    return main([args[0], '--help']);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(`conclave: unknown command '${name}'. Run 'conclave --help' for the list.`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    // One line whatever the message: node's own (parseArgs's, say) may run over several.
    const message = ((error as Error).message ?? String(error)).replace(/\s*\n\s*/g, ' ');
    if (error instanceof UsageError) {
      console.error(`conclave ${name}: ${message}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(`conclave: ${message}`);
      return 1;
    }
    if (isDatabaseUnavailable(error)) {
      console.error(`conclave ${name}: the database does not answer (${message})`);
      return 1;
    }
    console.error(`conclave ${name}: ${message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
