#!/usr/bin/env node
import { CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { exitCodeFor, printError } from './exit-codes.js';
import { buildProgram } from './program.js';

/** How long the process may outlive its verb before it is ended (see the end of this file). */
const EXIT_GRACE_MS = 2_000;

async function main(): Promise<void> {
  try {
    await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
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
