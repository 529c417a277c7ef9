#!/usr/bin/env node
import { CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { endQuietlyOnClosedPipe } from '../util/closed-pipe.js';
import { exitCodeFor, printError, printUsageError } from './exit-codes.js';
import { buildProgram, wantsJson } from './program.js';

/** How long the process may outlive its verb before it is ended (see the end of this file). */
const EXIT_GRACE_MS = 2_000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = wantsJson(args);
  try {
    await (await buildProgram(args, { json })).parseAsync(process.argv);
  } catch (error) {
    // Commander has its usage error (an unknown option or command, a missing argument): wrong input,
    // 2, printed by commander or, with --json, as JSON here. Help or --version ends with 0.
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exitCode = EXIT.ok;
      else {
        if (json) printUsageError(error);
        process.exitCode = EXIT.input;
      }
      return;
    }
    printError(error, { json });
    process.exitCode = exitCodeFor(error);
  }
}

endQuietlyOnClosedPipe();
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
