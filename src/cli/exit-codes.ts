import { coerceError, DayshiftError, EXIT, type ExitCode, ruleOf } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';

/**
 * How an error ends the program: a DayshiftError by its code's row in ERROR_TABLE (src/errors.ts),
 * anything else is a bug (70). The exit codes and what they mean are listed there, as EXIT.
 */
export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof DayshiftError ? ruleOf(error.code).exit : EXIT.bug;
}

/** An error as `--json` prints it on stderr: the same fields as the API's error body. */
export interface JsonError {
  error: { code: string; message: string; hint?: string; causes?: string[]; stack?: string };
}

/**
 * Prints an error: for a person, the message, the hint and the chain of causes; with `json`, one
 * line `{"error":{"code","message","hint","causes"}}`. Secrets are scrubbed either way. Something
 * that is not a DayshiftError is a bug, so its stack trace is printed for the report.
 */
export function printError(
  thrown: unknown,
  options: { json?: boolean; stream?: NodeJS.WritableStream } = {},
): void {
  const stream = options.stream ?? process.stderr;
  const error = coerceError(thrown);
  const causes: string[] = [];
  let cause: unknown = error.cause;
  while (cause !== undefined && cause !== null) {
    const causeError = coerceError(cause);
    causes.push(causeError.message);
    cause = causeError.cause;
  }
  const coded = error instanceof DayshiftError;
  const stack = !coded && error.stack ? error.stack : undefined;
  if (options.json) {
    const body: JsonError = {
      error: {
        code: coded ? error.code : 'INTERNAL',
        message: error.message,
        ...(coded && error.hint ? { hint: error.hint } : {}),
        ...(causes.length ? { causes } : {}),
        ...(stack ? { stack } : {}),
      },
    };
    stream.write(`${scrubSecrets(JSON.stringify(body))}\n`);
    return;
  }
  const lines = [`error: ${error.message}`];
  if (coded && error.hint) lines.push(`hint: ${error.hint}`);
  for (const c of causes) lines.push(`cause: ${c}`);
  if (stack) lines.push(stack);
  stream.write(`${scrubSecrets(lines.join('\n'))}\n`);
}

/**
 * A usage error commander found (an unknown option or command, a missing argument, no verb at all),
 * as `--json` prints it.
 */
export function printUsageError(
  error: { code: string; message: string },
  stream: NodeJS.WritableStream = process.stderr,
): void {
  // Without a verb, commander shows the help and says nothing else: say what is missing.
  const message =
    error.code === 'commander.help' ? 'a command is missing' : error.message.replace(/^error: /, '');
  const body: JsonError = {
    error: {
      code: 'BAD_REQUEST',
      message,
      hint: 'see `dayshift --help`, or `dayshift <verb> --help`',
    },
  };
  stream.write(`${JSON.stringify(body)}\n`);
}
