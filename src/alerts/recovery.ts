import { formatDuration } from '../schema/duration.js';
import type { AlertRecord } from './types.js';

/**
 * A resolve says what recovered, not why the alert fired. Each origin words its own line (a check that
 * is healthy again, a rule that no longer holds, a drill that passed); these are the pieces they share
 * and the line used when an origin has nothing better to say.
 */

/** A span for people, to the second: `12m14s`, `less than 1s`. */
export function humanSpan(ms: number): string {
  return ms < 1_000 ? 'less than 1s' : formatDuration(Math.round(ms / 1_000) * 1_000);
}

/** How long the alert was open, from when it fired (or started) until now. */
export function openFor(alert: Pick<AlertRecord, 'firedAt' | 'startedAt'>, now: number): string {
  return humanSpan(Math.max(0, now - (alert.firedAt ?? alert.startedAt)));
}

/** The recovery line when the origin has none of its own. */
export function defaultRecovery(alert: AlertRecord, now: number): string {
  return `${alert.name}: resolved after ${openFor(alert, now)}`;
}

interface StoredCondition {
  expr?: unknown;
  ok?: unknown;
  actual?: unknown;
}

/**
 * The condition that had failed, now passing, from a check's last result: the firing summary of a check
 * begins with the failed condition's expression (`status == 200 (actual 503)`). Undefined when that
 * condition is not found or does not pass now.
 */
export function passingNow(lastResult: string | null | undefined, firingSummary: string): string | undefined {
  let conditions: StoredCondition[] = [];
  try {
    const parsed = JSON.parse(lastResult ?? 'null') as { conditions?: unknown } | null;
    if (Array.isArray(parsed?.conditions)) conditions = parsed.conditions as StoredCondition[];
  } catch {
    return undefined;
  }
  const failed = conditions.find((c) => typeof c.expr === 'string' && firingSummary.startsWith(c.expr));
  if (failed?.ok === true)
    return `${failed.expr as string} passes${failed.actual === undefined ? '' : ` (actual ${JSON.stringify(failed.actual)})`}`;
  // It fired for an error (no answer at all): every condition passing now is the news.
  if (!failed && conditions.length > 0 && conditions.every((c) => c.ok === true))
    return conditions.length === 1 ? `${conditions[0]?.expr as string} passes` : 'every condition passes';
  return undefined;
}
