import { constants } from 'node:os';
import type { ProcessCommand, ProcessOutcome } from './types.js';

/**
 * A stack file's command line as the runner takes it: a string runs through `/bin/sh -c`, a list runs
 * the program directly with its arguments.
 */
export function commandOf(run: string | readonly string[]): ProcessCommand {
  return typeof run === 'string' ? { shell: run } : { file: run[0] ?? '', args: run.slice(1) };
}

/** The program a command runs, for messages: the shell line itself, or the program's path. */
export function programOf(command: ProcessCommand): string {
  return 'shell' in command ? '/bin/sh' : command.file;
}

/**
 * The exit code as a shell reports it: 128 + the signal's number when a signal ended the program;
 * null when it never started.
 */
export function shellExitCode(outcome: ProcessOutcome): number | null {
  if (outcome.exitCode !== null) return outcome.exitCode;
  if (outcome.signal) return 128 + (constants.signals[outcome.signal] ?? 0);
  return null;
}

/**
 * How a run ended, for a message: "exited with 3", "was killed by SIGKILL", "was stopped at its
 * timeout", "was stopped before it finished", or "could not start: ...". A timeout or abort wins over
 * the signal it was stopped with, which says less.
 */
export function describeEnd(outcome: ProcessOutcome): string {
  if (outcome.startError) return `could not start: ${outcome.startError.message}`;
  if (outcome.timedOut) return 'was stopped at its timeout';
  if (outcome.aborted) return 'was stopped before it finished';
  if (outcome.signal) return `was killed by ${outcome.signal}`;
  return `exited with ${outcome.exitCode}`;
}
