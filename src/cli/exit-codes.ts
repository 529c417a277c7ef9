import { coerceError, DayshiftError } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';

/**
 * One place decides how an error ends the program:
 * 1 = the work failed (a check is unhealthy, a job failed), 2 = the input was wrong (config, arguments),
 * 3 = a dependency was unreachable (store), 70 = a bug.
 */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof DayshiftError)) return 70;
  switch (error.code) {
    case 'CONFIG_INVALID':
    case 'CONFIG_NOT_FOUND':
    case 'CHECK_NOT_FOUND':
    case 'ALERT_NOT_FOUND':
    case 'NOT_FOUND':
    case 'BAD_REQUEST':
    case 'BODY_TOO_LARGE':
    case 'JOB_KIND_UNKNOWN':
    case 'RESTORE_TARGET_REFUSED':
      return 2;
    case 'STORE_UNAVAILABLE':
    case 'STORE_MIGRATION_FAILED':
      return 3;
    case 'INTERNAL':
      return 70;
    default:
      return 1;
  }
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
