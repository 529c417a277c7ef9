import type { Kysely } from 'kysely';
import type { CheckResult } from '../checks/types.js';
import type { Database } from '../store/schema.js';
import type { MonitoredCheck } from './configured-checks.js';
import type { CheckState } from './state-machine.js';

/** A check as `status` and `GET /api/v1/checks` show it: its definition joined with its stored state. */
export interface CheckStatus {
  id: string;
  service: string;
  name: string;
  kind: string;
  every: number;
  /** `unknown` until the check has run once. */
  state: CheckState | 'unknown';
  since: number | null;
  lastAt: number | null;
  lastOutcome: string | null;
  lastLatencyMs: number | null;
  /** The failing condition with its actual value, or the error: why it is red. */
  reason: string | null;
  failures: number;
  successes: number;
}

export interface SampleView {
  at: number;
  outcome: string;
  latencyMs: number;
  detail: Record<string, unknown> | null;
}

export interface TransitionView {
  id: number;
  checkId: string;
  at: number;
  from: string;
  to: string;
  reason: string | null;
  node: string | null;
}

/** The stored state of every configured check, in file order. */
export async function checkStatuses(
  db: Kysely<Database>,
  checks: readonly MonitoredCheck[],
): Promise<CheckStatus[]> {
  const rows = await db
    .selectFrom('check_states')
    .select([
      'check_id',
      'state',
      'since',
      'failures',
      'successes',
      'last_at',
      'last_outcome',
      'last_latency_ms',
      'last_reason',
    ])
    .execute();
  const byId = new Map(rows.map((r) => [r.check_id, r]));
  return checks.map((check) => {
    const row = byId.get(check.id);
    return {
      id: check.id,
      service: check.service,
      name: check.name,
      kind: check.kind,
      every: check.every,
      state: (row?.state as CheckState | undefined) ?? 'unknown',
      since: row ? Number(row.since) : null,
      lastAt: row?.last_at == null ? null : Number(row.last_at),
      lastOutcome: row?.last_outcome ?? null,
      lastLatencyMs: row?.last_latency_ms ?? null,
      reason: row?.last_reason ?? null,
      failures: row?.failures ?? 0,
      successes: row?.successes ?? 0,
    };
  });
}

/** The last full result of a check (conditions with actual values, values, timings). */
export async function lastResult(db: Kysely<Database>, checkId: string): Promise<CheckResult | null> {
  const row = await db
    .selectFrom('check_states')
    .select('last_result')
    .where('check_id', '=', checkId)
    .executeTakeFirst();
  return row?.last_result ? (JSON.parse(row.last_result) as CheckResult) : null;
}

/** The newest raw samples of a check, newest first. */
export async function recentSamples(
  db: Kysely<Database>,
  checkId: string,
  limit = 20,
): Promise<SampleView[]> {
  const rows = await db
    .selectFrom('check_samples')
    .select(['at', 'outcome', 'latency_ms', 'detail'])
    .where('check_id', '=', checkId)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    at: Number(r.at),
    outcome: r.outcome,
    latencyMs: r.latency_ms,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  }));
}

/** State changes after `afterId`, oldest first: the feed alerting reads. */
export async function transitionsSince(
  db: Kysely<Database>,
  options: { afterId?: number; checkId?: string; limit?: number } = {},
): Promise<TransitionView[]> {
  let query = db
    .selectFrom('check_transitions')
    .selectAll()
    .where('id', '>', options.afterId ?? 0)
    .orderBy('id')
    .limit(options.limit ?? 100);
  if (options.checkId) query = query.where('check_id', '=', options.checkId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    checkId: r.check_id,
    at: Number(r.at),
    from: r.from_state,
    to: r.to_state,
    reason: r.reason,
    node: r.node,
  }));
}
