import { DayshiftError } from '../errors.js';
import { parseDuration } from '../schema/duration.js';

/** A time filter: epoch milliseconds, or a duration back from now. */
export function timeOf(text: string | undefined, what: string, now: number): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new DayshiftError('BAD_REQUEST', `${what} "${text}" is neither epoch milliseconds nor a duration`, {
      hint: 'write for example 1h, 7d or 1767225600000',
    });
  return now - ms;
}
