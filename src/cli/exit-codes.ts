import { coerceError, DayshiftError, EXIT, type ExitCode, ruleOf } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';

/**
 * How an error ends the program: a DayshiftError by its code's row in ERROR_TABLE (src/errors.ts),
 * anything else is a bug (70). The exit codes and what they mean are listed there, as EXIT.
 */
export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof DayshiftError ? ruleOf(error.code).exit : EXIT.bug;
}

/** Prints an error for a person: the message, the hint, and the chain of causes, with secrets scrubbed. */
export function printError(thrown: unknown, stream: NodeJS.WritableStream = process.stderr): void {
  const error = coerceError(thrown);
  const lines = [`error: ${error.message}`];
  if (error instanceof DayshiftError && error.hint) lines.push(`hint: ${error.hint}`);
  let cause: unknown = error.cause;
  while (cause !== undefined && cause !== null) {
    const causeError = coerceError(cause);
    lines.push(`cause: ${causeError.message}`);
    cause = causeError.cause;
  }
  if (!(error instanceof DayshiftError) && error.stack) lines.push(error.stack);
  stream.write(`${scrubSecrets(lines.join('\n'))}\n`);
}
