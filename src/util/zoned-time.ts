import { DayshiftError } from '../errors.js';

/**
 * Wall-clock time in an IANA time zone, with Intl only. A *wall time* is the local date and time read
 * as if it were UTC, in epoch milliseconds: adding whole days to it moves the calendar, not the clock,
 * so `wall + 7d` is the same local time a week later even across a DST change.
 */

/** One formatter per zone: building one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** How far `timeZone`'s clocks are ahead of UTC at the instant `at`, in milliseconds. */
export function offsetOf(at: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/** The wall time in `timeZone` at the instant `at`. */
export function wallTimeOf(at: number, timeZone: string): number {
  return at + offsetOf(at, timeZone);
}

/**
 * The instant the clocks of `timeZone` show the wall time `wall`. A wall time a DST change skips lands
 * as far after the change as it was meant to be after the skipped hour's start (02:30 → 03:30); one a
 * change repeats is the later of the two.
 */
export function instantOf(wall: number, timeZone: string): number {
  // The zone's offset at that moment, applied twice so a time near a DST change lands right.
  let guess = wall - offsetOf(wall, timeZone);
  guess = wall - offsetOf(guess, timeZone);
  return guess;
}

/** An ISO date, date and time, or either with an offset: what dateTimeIn reads. */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * `2026-03-01T02:00` read as a wall-clock time in `timeZone`; a time with its own offset (`Z`,
 * `+02:00`) is taken as written. A bare date is its midnight; NaN for a time that does not exist (25:00).
 */
export function dateTimeIn(text: string, timeZone: string): number {
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(text)) return Date.parse(text);
  const wall = Date.parse(`${text.replace(' ', 'T')}${text.length <= 10 ? 'T00:00' : ''}Z`);
  // Intl refuses an invalid date (25:00): NaN says so without a RangeError.
  return Number.isFinite(wall) ? instantOf(wall, timeZone) : Number.NaN;
}

/** dateTimeIn for what a person or a client sent: a malformed or impossible date is a BAD_REQUEST. */
export function parseDateTimeIn(text: string, timeZone: string, what: string): number {
  const trimmed = text.trim();
  const at = DATE_TIME.test(trimmed) ? dateTimeIn(trimmed, timeZone) : Number.NaN;
  // Date.parse rolls 2026-02-30 over to March: a date must name a day that exists.
  const day = trimmed.slice(0, 10);
  const real = Number.isFinite(at) && new Date(Date.parse(`${day}T00:00Z`)).toISOString().startsWith(day);
  if (!real)
    throw new DayshiftError('BAD_REQUEST', `${what} "${text}" is not a date and time`, {
      hint: `write e.g. 2026-03-29T09:00 (in ${timeZone}) or 2026-03-29T07:00Z`,
    });
  return at;
}

/** `2026-03-29 09:00` as the clocks of `timeZone` show the instant `at`. */
export function formatWallTime(at: number, timeZone: string): string {
  return new Date(wallTimeOf(at, timeZone)).toISOString().slice(0, 16).replace('T', ' ');
}
