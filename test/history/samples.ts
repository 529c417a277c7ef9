import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

export interface TestSample {
  check_id: string;
  at: number;
  outcome: 'pass' | 'warn' | 'fail';
  latency_ms: number;
}

/** Writes samples as the check scheduler does: multi-row inserts, not one by one. */
export async function insertSamples(db: Kysely<Database>, samples: readonly TestSample[]): Promise<void> {
  for (let i = 0; i < samples.length; i += 500) {
    await db
      .insertInto('check_samples')
      .values(samples.slice(i, i + 500).map((s) => ({ ...s, detail: null })))
      .execute();
  }
}

/**
 * Every 10 s over [from, to) for each check, with latencies and outcomes that follow from the check and
 * the sample's index: `b` fails every 10th sample, `c` warns every 7th, `a` always passes.
 */
export function sampleGrid(
  checks: readonly string[],
  from: number,
  to: number,
  everyMs = 10_000,
): TestSample[] {
  const out: TestSample[] = [];
  for (const [c, check] of checks.entries()) {
    let i = 0;
    for (let at = from; at < to; at += everyMs, i++) {
      const outcome = check === 'b' && i % 10 === 0 ? 'fail' : check === 'c' && i % 7 === 0 ? 'warn' : 'pass';
      out.push({
        check_id: check,
        at,
        outcome,
        latency_ms: 20 * (c + 1) + ((i * 37) % 100) + (i % 50 === 0 ? 900 : 0),
      });
    }
  }
  return out;
}

export function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

export async function rollupRows(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('check_rollups')
    .selectAll()
    .orderBy('resolution')
    .orderBy('check_id')
    .orderBy('start')
    .execute();
  return rows.map((r) => ({ ...r, start: Number(r.start), count: Number(r.count) }));
}
