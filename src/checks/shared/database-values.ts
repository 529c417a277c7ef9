import type { Secret } from '../../schema/secret.js';
import { redactUrl } from '../../schema/secret.js';

/** A value conditions can read. */
export type NamedValue = number | string | boolean | null;

/**
 * Turns one database cell into something conditions compare. Drivers are told to return numbers for
 * numeric columns, so a string stays a string here (a status column holding "007" is not a number).
 * Dates become ISO text; a PostgreSQL interval becomes milliseconds so `age < 15m` reads naturally.
 */
export function cellValue(cell: unknown): NamedValue {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number' || typeof cell === 'string' || typeof cell === 'boolean') return cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? null : cell.toISOString();
  if (Buffer.isBuffer(cell)) return cell.toString('utf8');
  if (isInterval(cell)) return intervalMs(cell);
  return JSON.stringify(cell);
}

interface IntervalLike {
  years?: number;
  months?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
  toPostgres(): string;
}

function isInterval(cell: unknown): cell is IntervalLike {
  return typeof cell === 'object' && cell !== null && typeof (cell as IntervalLike).toPostgres === 'function';
}

// Months and years have no fixed length; 30 and 365 days are what an age threshold means in practice.
function intervalMs(i: IntervalLike): number {
  const days = (i.years ?? 0) * 365 + (i.months ?? 0) * 30 + (i.days ?? 0);
  return (
    ((days * 24 + (i.hours ?? 0)) * 60 + (i.minutes ?? 0)) * 60_000 +
    (i.seconds ?? 0) * 1000 +
    (i.milliseconds ?? 0)
  );
}

/**
 * The values of a query result, by the rule the sql, postgres and mysql kinds share:
 *  - the first column of the first row is `value` and every column of that row is a named value;
 *  - several rows of exactly (text, number) — `select status, count(*) ... group by status` — become
 *    one named value per row (`pending`, `failed`), and `value` is their sum. A group with no rows has
 *    no value at all, so conditions on it fail; a single-row `sum(case ...)` query avoids that;
 *  - no rows gives no values (conditions on `value` fail as missing; `count(*)` always gives a row).
 * Column names that clash with `value` keep the first-column rule.
 */
export function valuesOfRows(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Record<string, NamedValue> {
  const first = rows[0];
  if (!first) return {};
  if (rows.length > 1 && columns.length === 2 && rows.every(isNameAndNumber)) {
    const values: Record<string, NamedValue> = {};
    let total = 0;
    for (const row of rows) {
      const n = row[1] === null ? null : Number(row[1]);
      values[String(row[0])] = n;
      total += n ?? 0;
    }
    values.value = total;
    return values;
  }
  const values: Record<string, NamedValue> = {};
  columns.forEach((name, i) => {
    if (name !== 'value') values[name] = cellValue(first[i]);
  });
  values.value = cellValue(first[0]);
  return values;
}

function isNameAndNumber(row: readonly unknown[]): boolean {
  const [name, n] = row;
  return (
    typeof name === 'string' && name !== '' && (n === null || typeof n === 'number' || typeof n === 'bigint')
  );
}

/** connections as a percentage (0–100) of max_connections, as `80%` literals compare. */
export function connectionsPct(connections: number, max: number): number | null {
  if (!(max > 0)) return null;
  return Math.round((connections / max) * 10_000) / 100;
}

/**
 * An error message safe to show: the URL's password (raw and percent-encoded) and the URL itself are
 * replaced, because drivers sometimes echo their connection string.
 */
export function safeMessage(error: unknown, url: Secret): string {
  let text = error instanceof Error ? error.message || error.name : String(error);
  const raw = url.reveal();
  text = text.split(raw).join(redactUrl(raw));
  try {
    const password = new URL(raw).password;
    if (password) {
      for (const form of new Set([password, decodeURIComponent(password)]))
        if (form.length > 0) text = text.split(form).join('***');
    }
  } catch {
    // Not a URL with a password: nothing more to hide.
  }
  return text;
}

/** Why a probe stopped when its signal aborted: the runner's own reason, or a generic one. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'aborted';
}
