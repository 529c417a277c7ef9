/**
 * Errors that reach a user carry a stable code, a message that says what to do, and a cause.
 * The CLI maps them to exit codes (src/cli/exit-codes.ts) and the server to HTTP responses
 * (src/server/errors.ts); nothing else decides how an error is shown.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'STORE_UNAVAILABLE'
  | 'STORE_MIGRATION_FAILED'
  | 'JOB_NOT_FOUND'
  | 'JOB_STATE_CONFLICT'
  /** A run asked to move where its state does not allow (src/runs/states.ts): finished, or not waiting. */
  | 'RUN_STATE_CONFLICT'
  | 'JOB_KIND_UNKNOWN'
  | 'AUTH_REQUIRED'
  | 'AUTH_FORBIDDEN'
  | 'TOKEN_NOT_FOUND'
  | 'CHECK_NOT_FOUND'
  | 'ALERT_NOT_FOUND'
  | 'NOT_FOUND'
  | 'BACKUP_CORRUPT'
  | 'BACKUP_FAILED'
  | 'BACKUP_PASSPHRASE'
  /** A restore target outside what the stack file allows (restore.allowed_paths, its servers). */
  | 'RESTORE_TARGET_REFUSED'
  | 'BAD_REQUEST'
  | 'BODY_TOO_LARGE'
  | 'INTERNAL';

export class DayshiftError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it, when there is something useful to say. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DayshiftError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** Turns anything thrown into an Error, so callers never handle strings or plain objects. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}
