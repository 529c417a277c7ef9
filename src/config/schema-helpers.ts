import { Cron } from 'croner';
import { z } from 'zod';
import { ConditionSyntaxError, type ParsedCondition, parseCondition } from '../conditions/index.js';
import { parseDuration } from './duration.js';
import { Secret } from './secret.js';

/** Issues raised inside a value (a condition) carry the column inside the string in `params.column`. */
export interface ValueIssueParams {
  column?: number;
  hint?: string;
}

/** `250ms`, `10s`, `5m`, `2h`, `14d`, `1h30m` → milliseconds. */
export const duration = () =>
  z
    .string()
    .meta({
      pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$',
      description: 'a duration: 250ms, 10s, 5m, 2h, 14d',
    })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 10s, 5m or 250ms, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

/** A cron expression (5 fields, or 6 with seconds), checked when the file loads. */
export const cron = () =>
  z
    .string()
    .meta({
      description: 'a cron expression: "0 3 * * *" (minute hour day month weekday), or 6 fields with seconds',
    })
    .superRefine((text, ctx) => {
      const fields = text.trim().split(/\s+/).length;
      if (fields < 5 || fields > 6) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a cron expression of 5 or 6 fields, got ${fields}: "${text}"`,
        });
        return;
      }
      try {
        new Cron(text, { paused: true });
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid cron expression "${text}": ${(error as Error).message}`,
        });
      }
    });

/** An IANA time zone such as Europe/Paris. */
export const timezone = () =>
  z
    .string()
    .meta({ description: 'an IANA time zone, e.g. Europe/Paris' })
    .superRefine((tz, ctx) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `unknown time zone "${tz}"`,
          params: { hint: 'use an IANA name such as UTC or Europe/Paris' },
        });
      }
    });

/** `80%` or a number from 0 to 100. */
export const percent = () =>
  z
    .union([z.number().min(0).max(100), z.string().meta({ pattern: '^\\d+(\\.\\d+)?%$' })])
    .transform((value, ctx) => {
      if (typeof value === 'number') return value;
      const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
      if (!match || Number(match[1]) > 100) {
        ctx.addIssue({ code: 'custom', message: `expected a percentage like 80%, got "${value}"` });
        return z.NEVER;
      }
      return Number(match[1]);
    });

/** A value that must never be printed: wrapped in Secret when the file loads. */
export const secretString = () =>
  z
    .string()
    .meta({ 'x-secret': true, description: 'a secret: never printed or logged' })
    .transform((value) => new Secret(value));

/** A URL that may carry credentials (a database, an SMTP server): validated, then kept as a Secret. */
export const secretUrl = (schemes: readonly string[]) =>
  z
    .string()
    .meta({ 'x-secret': true, format: 'uri', description: `a ${schemes.join(' or ')} URL; kept secret` })
    .transform((value, ctx) => {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
      if (!scheme || !schemes.includes(scheme)) {
        ctx.addIssue({
          code: 'custom',
          message: value
            ? `expected a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`
            : 'expected a URL, got an empty value',
        });
        return z.NEVER;
      }
      return new Secret(value);
    });

export const httpUrl = () =>
  z
    .string()
    .meta({ format: 'uri' })
    .superRefine((value, ctx) => {
      try {
        const url = new URL(value);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: value
            ? `expected an http:// or https:// URL, got "${value}"`
            : 'expected a URL, got an empty value',
        });
      }
    });

/** A condition, parsed when the file loads; a syntax error reports its column inside the string. */
export const condition = (severity: 'fail' | 'warn' = 'fail') =>
  z
    .string()
    .meta({ description: 'a condition: "status == 200", "latency < 1s", or Gatus syntax "[STATUS] == 200"' })
    .transform((text, ctx): ParsedCondition => {
      try {
        return parseCondition(text, severity);
      } catch (error) {
        if (!(error instanceof ConditionSyntaxError)) throw error;
        ctx.addIssue({
          code: 'custom',
          message: `bad condition "${text}": ${error.message}`,
          params: { column: error.column },
        });
        return z.NEVER;
      }
    });

/** `expect:` items: a condition, or `{ warn: condition }` for one that only degrades the check. */
export const expectation = () =>
  z
    .union([condition(), z.strictObject({ warn: condition('warn') })])
    .transform((c) => ('warn' in c ? c.warn : c));

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** A name: letters, digits, `-` and `_`, starting with a letter. */
export const name = () =>
  z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected a name of letters, digits, - and _');

export const stringList = () => z.array(z.string());
