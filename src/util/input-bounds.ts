import { DayshiftError } from '../errors.js';

const YEAR_MS = 365.25 * 86_400_000;

/**
 * Bounds on what people and API clients send: far beyond what a person types, small enough that no
 * request can grow a table, a timer or a response without end. The server's JSON schemas (and so the
 * OpenAPI document), the features and the CLI all read them from here.
 */
export const LIMITS = {
  /** A name: a token's, a window's, a backup's or a check's in a path. */
  name: 200,
  /** Free text: a comment, a description. */
  text: 10_000,
  /** A short expression: a silence matcher, a duration as written, a unique key. */
  expression: 1_000,
  /** A path or a URL. */
  path: 4_096,
  /** Items of a list: a silence's matchers, a window's services. */
  items: 100,
  /** The earliest time accepted: 2000-01-01T00:00:00Z. */
  earliestMs: Date.UTC(2000, 0, 1),
  /** The latest time a JSON schema accepts (2100-01-01); the features also refuse more than `aheadMs` from now. */
  latestMs: Date.UTC(2100, 0, 1),
  /** How far ahead of now a time may lie, and the longest duration: ten years. */
  aheadMs: Math.round(10 * YEAR_MS),
  /** A job's priority, either way. */
  priority: 1_000_000,
  /** How deep a JSON value passed through to a job (its payload) may nest. */
  jsonDepth: 32,
  /** A request body, in bytes. */
  bodyBytes: 1_048_576,
} as const;

/** Control characters: never in a name (they would reach a terminal raw; PostgreSQL refuses NUL). */
const CONTROL = /\p{Cc}/u;

function refuse(message: string, hint: string): never {
  throw new DayshiftError('BAD_REQUEST', message, { hint });
}

/** A name as a person gives it: not empty, at most LIMITS.name characters, no control characters. */
export function checkName(name: string, what: string): string {
  if (name.length === 0) refuse(`${what} is empty`, 'give a name');
  if (name.length > LIMITS.name)
    refuse(`${what} has ${name.length} characters`, `a name has at most ${LIMITS.name} characters`);
  if (CONTROL.test(name)) refuse(`${what} contains control characters`, 'use printable characters');
  return name;
}

/** Free text of at most `max` characters, without NUL (which PostgreSQL cannot store). */
export function checkText(text: string, what: string, max: number = LIMITS.text): string {
  if (text.length > max) refuse(`${what} has ${text.length} characters`, `at most ${max} are accepted`);
  if (text.includes('\u0000')) refuse(`${what} contains a NUL character`, 'remove it');
  return text;
}

/** A list of at most `max` items. */
export function checkItems<T>(items: readonly T[], what: string, max: number = LIMITS.items): readonly T[] {
  if (items.length > max) refuse(`${what} has ${items.length} items`, `at most ${max} are accepted`);
  return items;
}

/** An epoch-milliseconds time: a whole number, not before 2000, not more than ten years after `now`. */
export function checkTime(ms: number, now: number, what: string): number {
  if (!Number.isSafeInteger(ms) || ms < LIMITS.earliestMs || ms > now + LIMITS.aheadMs)
    refuse(
      `${what} ${ms} is out of range`,
      'give epoch milliseconds between 2000-01-01 and ten years from now',
    );
  return ms;
}

/** A duration in milliseconds: positive and at most ten years. */
export function checkDuration(ms: number, what: string): number {
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > LIMITS.aheadMs)
    refuse(`${what} is out of range`, 'give a positive duration of at most ten years, e.g. 2h or 30d');
  return ms;
}

/** A JSON value that nests at most `max` arrays and objects deep, measured without recursion. */
export function checkJsonDepth(value: unknown, what: string, max: number = LIMITS.jsonDepth): void {
  const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object';
  let level = isContainer(value) ? [value] : [];
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > max) refuse(`${what} nests deeper than ${max} levels`, 'send a flatter value');
    const next: object[] = [];
    for (const container of level)
      for (const child of Object.values(container)) if (isContainer(child)) next.push(child);
    level = next;
  }
}
