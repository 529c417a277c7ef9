#!/usr/bin/env node
import { Command } from 'commander';
import { commands } from './commands/index.js';
import { exitCodeFor, printError } from './exit-codes.js';

/** The `dayshift` program: every verb lives in its own file under ./commands. */
export function buildProgram(): Command {
  const program = new Command('dayshift')
    .description('Runs the operations runbook for you, from one dayshift.yaml.')
    .option('-c, --config <file>', 'the stack file (default: $DAYSHIFT_CONFIG or ./dayshift.yaml)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .enablePositionalOptions(false);
  for (const register of commands) register(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    printError(error);
    process.exitCode = exitCodeFor(error);
  }
}

await main();
