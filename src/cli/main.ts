#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { commands } from './commands/index.js';
import { exitCodeFor, printError } from './exit-codes.js';

/** How long the process may outlive its verb before it is ended (see the end of this file). */
const EXIT_GRACE_MS = 2_000;

/** The `dayshift` program: every verb lives in its own file under ./commands. */
export function buildProgram(): Command {
  const program = new Command('dayshift')
    .description('Runs the operations runbook for you, from one dayshift.yaml.')
    .option('-c, --config <file>', 'the stack file (default: $DAYSHIFT_CONFIG or ./dayshift.yaml)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .enablePositionalOptions(false)
    // Usage errors come back to main() instead of ending the process with Commander's own exit code.
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    // Commander has printed its usage error (an unknown option, a missing argument): wrong input, 2.
    // Help it was asked for ends with 0.
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.input;
      return;
    }
    printError(error);
    process.exitCode = exitCodeFor(error);
  }
}

await main();

/**
 * Every verb closes what it opened, and then the process ends by itself. Should something still be
 * open after the verb returned (a bug: a connection, a child process), say so and exit rather than
 * hang: a CLI that never returns blocks the script or cron job that ran it. Unref'd, so a clean
 * process never waits for it.
 */
setTimeout(() => {
  const open = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout');
  process.stderr.write(
    `warning: dayshift left ${open.join(', ') || 'work'} open after it finished; exiting\n`,
  );
  process.exit();
}, EXIT_GRACE_MS).unref();
