import type { Kysely } from 'kysely';
import type { AggregateFn } from '../rules/ast.js';
import type { RuleSeries } from '../rules/evaluate.js';
import type { Database } from '../store/schema.js';
import { latencyQuantiles } from './queries.js';

/**
 * Rules read the store: raw samples for windows they still cover (48 h by default), the rollups'
 * latency sketches for longer latency percentiles. Each answer is one indexed query over
 * (check_id, at) for the window.
 */
export class HistoryRuleSeries implements RuleSeries {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async aggregate(
    fn: AggregateFn,
    checkId: string,
    metric: string,
    windowMs: number,
    now: number,
  ): Promise<number | null> {
    if (metric === 'latency' && (fn === 'p50' || fn === 'p95' || fn === 'p99')) {
      const q = await latencyQuantiles(this.#db, checkId, now - windowMs, now);
      return q.count === 0 ? null : (q[`${fn}Ms` as const] ?? null);
    }
    const values = await this.#series(checkId, metric, windowMs, now);
    if (values.length === 0) return null;
    if (fn === 'avg') return values.reduce((a, b) => a + b, 0) / values.length;
    if (fn === 'min') return Math.min(...values);
    if (fn === 'max') return Math.max(...values);
    const sorted = values.sort((a, b) => a - b);
    const q = fn === 'p50' ? 0.5 : fn === 'p95' ? 0.95 : 0.99;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
  }

  async failureRate(checkId: string, windowMs: number, now: number): Promise<number | null> {
    const row = await this.#db
      .selectFrom('check_samples')
      .select((eb) => [
        eb.fn.countAll<number>().as('runs'),
        eb.fn.sum<number>(eb.case().when('outcome', '=', 'fail').then(1).else(0).end()).as('failures'),
      ])
      .where('check_id', '=', checkId)
      .where('at', '>', now - windowMs)
      .where('at', '<=', now)
      .executeTakeFirst();
    const runs = Number(row?.runs ?? 0);
    return runs === 0 ? null : (Number(row?.failures ?? 0) / runs) * 100;
  }

  async last(checkId: string, metric: string): Promise<number | string | null> {
    let query = this.#db
      .selectFrom('check_samples')
      .select(['latency_ms', 'detail'])
      .where('check_id', '=', checkId)
      .orderBy('at', 'desc')
      .limit(1);
    if (metric !== 'latency') query = query.where('detail', 'is not', null);
    const row = await query.executeTakeFirst();
    if (!row) return null;
    if (metric === 'latency') return Number(row.latency_ms);
    const value = valuesOf(row.detail)?.[metric];
    return typeof value === 'number' || typeof value === 'string' ? value : null;
  }

  async state(checkId: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom('check_states')
      .select('state')
      .where('check_id', '=', checkId)
      .executeTakeFirst();
    return row?.state ?? null;
  }

  async absent(checkId: string, windowMs: number, now: number): Promise<boolean> {
    const row = await this.#db
      .selectFrom('check_samples')
      .select('at')
      .where('check_id', '=', checkId)
      .where('at', '>', now - windowMs)
      .limit(1)
      .executeTakeFirst();
    return row === undefined;
  }

  async #series(checkId: string, metric: string, windowMs: number, now: number): Promise<number[]> {
    const rows = await this.#db
      .selectFrom('check_samples')
      .select(['latency_ms', 'detail'])
      .where('check_id', '=', checkId)
      .where('at', '>', now - windowMs)
      .where('at', '<=', now)
      .execute();
    if (metric === 'latency') return rows.map((r) => Number(r.latency_ms));
    const out: number[] = [];
    for (const row of rows) {
      const value = valuesOf(row.detail)?.[metric];
      if (typeof value === 'number' && Number.isFinite(value)) out.push(value);
    }
    return out;
  }
}

function valuesOf(detail: string | null): Record<string, unknown> | undefined {
  if (!detail) return undefined;
  try {
    return (JSON.parse(detail) as { values?: Record<string, unknown> }).values;
  } catch {
    return undefined;
  }
}
