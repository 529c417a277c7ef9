import { DayshiftError } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';

/** Anything recorded, with every known secret value replaced: run records are shown to users. */
export function scrubbed<T>(value: T): T {
  if (value === undefined) return value;
  return JSON.parse(scrubSecrets(JSON.stringify(value))) as T;
}

/** An error as a run records it: its message and, for a DayshiftError, its hint, both scrubbed. */
export function describeError(error: unknown): { error: string; hint?: string } {
  const message = scrubSecrets(error instanceof Error ? error.message : String(error));
  const hint = error instanceof DayshiftError && error.hint ? scrubSecrets(error.hint) : undefined;
  return hint ? { error: message, hint } : { error: message };
}
