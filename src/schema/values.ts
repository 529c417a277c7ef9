import { Cron } from 'croner';
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';

/**
 * Schemas for the scalar values the stack file is made of. Messages say what was expected; the
 * issue mapper (zod-issues.ts) adds what was found, so a secret is never echoed by a helper.
 */

/**
 * The bounds of durations. Anything Dayshift waits for with a timer stays within what a timer can wait
 * (2^31-1 ms, about 24.8 days; longer fires at once); spans of time that are compared, not waited for
 * (retention, RPO, a heartbeat's period), may be longer, up to ten years.
 */
export const DURATION_LIMITS = {
  wait: 24 * 86_400_000,
  span: 3650 * 86_400_000,
  /** Between two runs of a check or of rule evaluation. */
  interval: 100,
} as const;

/**
 * `250ms`, `10s`, `5m`, `2h`, `14d`, `1h30m` → milliseconds, from `min` (0 by default) to `max` (the
 * longest a timer can wait by default). See interval(), timeout() and span() for the usual bounds.
 */
export const duration = (bounds: { min?: number; max?: number; tooShort?: string } = {}) => {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? DURATION_LIMITS.wait;
  return z
    .string({ error: 'expected a duration like 10s, 5m or 250ms' })
    .meta({
      pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$',
      description: 'a duration: 250ms, 10s, 5m, 2h, 14d',
    })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        // Written as a duration, but too many digits to be a number at all.
        const huge = /^\s*(\d+(\.\d+)?(ms|s|m|h|d|w))+\s*$/.test(text);
        ctx.addIssue({
          code: 'custom',
          message: huge
            ? outOfBounds(Number.POSITIVE_INFINITY, min, max, bounds.tooShort)
            : 'expected a duration like 10s, 5m or 250ms',
        });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: outOfBounds(ms, min, max, bounds.tooShort) });
        return z.NEVER;
      }
      return ms;
    });
};

/** Time between runs: at least 100ms (0s would run without pause), at most what a timer waits. */
export const interval = () =>
  duration({
    min: DURATION_LIMITS.interval,
    tooShort: `expected at least ${formatDuration(DURATION_LIMITS.interval)} between runs, like 30s`,
  });
/** How long something may take: more than 0s (0s would fail every run), at most what a timer waits. */
export const timeout = () => duration({ min: 1, tooShort: 'expected a timeout longer than 0s, like 10s' });
/** A span that is compared, never waited for (retention, RPO, a period): up to ten years. */
export const span = (min = 0) => duration({ min, max: DURATION_LIMITS.span });

function outOfBounds(ms: number, min: number, max: number, tooShort?: string): string {
  if (ms > max)
    return max === DURATION_LIMITS.wait
      ? `expected at most ${formatDuration(max)}, the longest Dayshift can wait for`
      : `expected at most ${formatDuration(max)}`;
  if (tooShort) return tooShort;
  return min <= 1 ? 'expected a duration longer than 0s' : `expected at least ${formatDuration(min)}`;
}

/** A cron expression (5 fields, or 6 with seconds), checked with croner when the file loads. */
export const cron = () =>
  z
    .string({ error: 'expected a cron expression such as "0 3 * * *"' })
    .meta({ description: 'a cron expression: "0 3 * * *" (minute hour day month weekday), or 6 fields' })
    .superRefine((text, ctx) => {
      const fields = text.trim().split(/\s+/).filter(Boolean).length;
      if (fields < 5 || fields > 6) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a cron expression of 5 or 6 fields (minute hour day month weekday)',
        });
        return;
      }
      try {
        new Cron(text, { paused: true });
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a valid cron expression (${(error as Error).message.replace(/^CronPattern: /, '')})`,
        });
      }
    });

/** An IANA time zone such as Europe/Paris, checked against the runtime's time zone database. */
export const timezone = () =>
  z
    .string()
    .meta({ description: 'an IANA time zone, e.g. UTC or Europe/Paris' })
    .superRefine((tz, ctx) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'expected an IANA time zone',
          params: { hint: 'use a name such as UTC, Europe/Paris or America/New_York' },
        });
      }
    });

/** `80%` (or a plain number from 0 to 100) → the number before `%`. */
export const percent = () =>
  z
    .union([z.number(), z.string()], { error: 'expected a percentage like 80%' })
    .meta({ description: 'a percentage: 80%' })
    .transform((value, ctx) => {
      const n = typeof value === 'number' ? value : Number(/^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)?.[1]);
      if (!Number.isFinite(n) || n < 0 || n > 100) {
        ctx.addIssue({ code: 'custom', message: 'expected a percentage from 0% to 100%, like 80%' });
        return z.NEVER;
      }
      return n;
    });

/** What name() accepts; the cross-checks test raw values with it, thousands of times in a large file. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** What checkRef() accepts: `service` or `service.check`. */
export const CHECK_REF_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)?$/;

/** A name other entries refer to: letters, digits, `-` and `_`, starting with a letter. */
export const name = () =>
  z
    .string({ error: 'expected a name' })
    .regex(NAME_PATTERN, 'expected a name of letters, digits, - and _, starting with a letter');

/** A reference to a check: `service.check`. */
export const checkRef = () =>
  z
    .string({ error: 'expected a check reference like web.health' })
    .regex(CHECK_REF_PATTERN, 'expected a service or service.check');

export const port = () =>
  z
    .number({ error: 'expected a port number' })
    .int('expected a whole port number')
    .min(1, 'expected a port from 1 to 65535')
    .max(65535, 'expected a port from 1 to 65535');

export const count = (min = 0) =>
  z
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(min, `expected a whole number >= ${min}`);

/** An http:// or https:// URL (for probes; URLs that may carry credentials are secretUrl). */
export const httpUrl = () =>
  z
    .string({ error: 'expected an http:// or https:// URL' })
    .meta({ format: 'uri' })
    .superRefine((value, ctx) => {
      if (!isUrl(value, ['http', 'https']))
        ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
    });

/** True when `value` parses as a URL with one of the schemes and, for network schemes, a host. */
export function isUrl(value: string, schemes: readonly string[]): boolean {
  try {
    const url = new URL(value);
    const scheme = url.protocol.replace(/:$/, '');
    if (!schemes.includes(scheme)) return false;
    return ['http', 'https', 'smtp', 'smtps'].includes(scheme) ? url.hostname !== '' : true;
  } catch {
    return false;
  }
}

/** A regular expression, compiled at load so a bad one is a load error. */
export const regex = () =>
  z.string().superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a regular expression (${(error as Error).message})`,
      });
    }
  });

/** A date and time such as 2026-03-01T02:00 (local to `timezone`, or with an offset). */
export const dateTime = () =>
  z
    .string()
    .meta({ description: 'a date and time: 2026-03-01T02:00' })
    .superRefine((text, ctx) => {
      if (
        !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text) ||
        Number.isNaN(Date.parse(text))
      )
        ctx.addIssue({ code: 'custom', message: 'expected a date and time like 2026-03-01T02:00' });
    });

/** A program to run: a shell command line, or an argv list run without a shell. */
export const commandLine = () =>
  z.union([z.string().min(1), z.array(z.string()).min(1)], {
    error: 'expected a command line or a list of arguments',
  });

export const stringMap = () => z.record(z.string(), z.string());
