import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { HistoryRuleSeries } from '../../src/history/rule-series.js';
import { evaluateRule } from '../../src/rules/evaluate.js';
import { parseRule } from '../../src/rules/parse.js';
import type { Store } from '../../src/store/index.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0);
const MIN = 60_000;

interface Sample {
  check: string;
  agoMs: number;
  outcome?: 'pass' | 'warn' | 'fail';
  latency?: number;
  values?: Record<string, number>;
}

/** `n` samples of a check, one every `everyMs`, the newest now. */
function series(
  check: string,
  n: number,
  everyMs: number,
  make: (i: number) => Omit<Sample, 'check' | 'agoMs'>,
): Sample[] {
  return Array.from({ length: n }, (_, i) => ({ check, agoMs: i * everyMs, ...make(i) }));
}

/** For each worked example: samples that make it hold, and samples that do not. */
const SCENARIOS: Record<string, { holds: Sample[]; quiet: Sample[] }> = {
  'api-p95': {
    holds: series('api.health', 30, 10_000, (i) => ({ latency: i % 5 === 0 ? 2_500 : 200 })),
    quiet: series('api.health', 30, 10_000, () => ({ latency: 200 })),
  },
  'api-errors': {
    holds: series('api.health', 30, 10_000, (i) => ({ outcome: i === 3 ? 'fail' : 'pass' })),
    quiet: series('api.health', 30, 10_000, () => ({ outcome: 'pass' })),
  },
  'cpu-high': {
    holds: series('host.system', 20, 30_000, () => ({ values: { cpu_pct: 91 } })),
    quiet: series('host.system', 20, 30_000, (i) => ({ values: { cpu_pct: i < 2 ? 99 : 40 } })),
  },
  'memory-high': {
    holds: series('host.system', 10, 30_000, () => ({ values: { memory_pct: 88 } })),
    quiet: series('host.system', 10, 30_000, () => ({ values: { memory_pct: 70 } })),
  },
  'db-connections': {
    holds: series('db.ready', 3, 30_000, () => ({ values: { connections_pct: 85 } })),
    quiet: series('db.ready', 3, 30_000, (i) => ({ values: { connections_pct: i === 0 ? 40 : 95 } })),
  },
  'disk-full': {
    holds: series('host.system', 3, 30_000, () => ({ values: { disk_pct: 93 } })),
    quiet: series('host.system', 3, 30_000, () => ({ values: { disk_pct: 60 } })),
  },
  'cert-30-days': {
    holds: series('web.tls', 2, 3_600_000, () => ({ values: { cert_expires_in_days: 21 } })),
    quiet: series('web.tls', 2, 3_600_000, () => ({ values: { cert_expires_in_days: 80 } })),
  },
  'cert-7-days': {
    holds: series('web.tls', 2, 3_600_000, () => ({ values: { cert_expires_in_days: 5 } })),
    quiet: series('web.tls', 2, 3_600_000, () => ({ values: { cert_expires_in_days: 21 } })),
  },
  'scans-failing': {
    holds: series('scanner.scan', 15, MIN, (i) => ({ outcome: i < 2 ? 'fail' : 'pass' })),
    quiet: series('scanner.scan', 15, MIN, () => ({ outcome: 'pass' })),
  },
  'queue-latency': {
    holds: series('worker.queue-age', 10, 30_000, () => ({ values: { value: 180 } })),
    quiet: series('worker.queue-age', 10, 30_000, () => ({ values: { value: 4 } })),
  },
  'backlog-growing': {
    // Climbing from 50 to 400 over the hour: the last 10 minutes average far above the hour's.
    holds: series('email-queue.pending', 60, MIN, (i) => ({ values: { value: 400 - i * 6 } })),
    // Many, but steady: not growing.
    quiet: series('email-queue.pending', 60, MIN, () => ({ values: { value: 300 } })),
  },
  'outbox-silent': {
    holds: series('email-queue.pending', 3, MIN, () => ({ values: { value: 1 } })).map((s) => ({
      ...s,
      agoMs: s.agoMs + 15 * MIN,
    })),
    quiet: series('email-queue.pending', 3, MIN, () => ({ values: { value: 1 } })),
  },
};

/** Every rule in docs/rules.md's yaml blocks. */
function documentedRules(): Record<string, { when: string }> {
  const doc = readFileSync('docs/rules.md', 'utf8');
  const out: Record<string, { when: string }> = {};
  for (const [, block] of doc.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const parsed = parseYaml(block as string) as { rules?: Record<string, { when: string }> };
    if (parsed.rules && !('api-slow' in parsed.rules)) Object.assign(out, parsed.rules);
  }
  return out;
}

describe.each(STORE_KINDS)('the worked examples of docs/rules.md on %s', (kind) => {
  let test: TestStore;
  let store: Store;
  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
  });
  afterAll(async () => {
    await test.destroy();
  });

  async function load(samples: Sample[]): Promise<void> {
    await store.db.deleteFrom('check_samples').execute();
    if (samples.length === 0) return;
    await store.db
      .insertInto('check_samples')
      .values(
        samples.map((s) => ({
          check_id: s.check,
          at: NOW - s.agoMs,
          outcome: s.outcome ?? 'pass',
          latency_ms: s.latency ?? 10,
          detail: s.values ? JSON.stringify({ values: s.values }) : null,
        })),
      )
      .execute();
  }

  const rules = documentedRules();
  it('every documented example has a scenario, and every scenario is documented', () => {
    expect(Object.keys(rules).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  it.each(Object.keys(SCENARIOS))('%s holds on its samples and not on the others', async (name) => {
    const rule = rules[name];
    const scenario = SCENARIOS[name];
    if (!rule || !scenario) throw new Error(`${name} is missing`);
    const { expr } = parseRule(rule.when);
    const series = new HistoryRuleSeries(store.db);
    await load(scenario.holds);
    const fired = await evaluateRule(expr, series, NOW);
    expect(fired.holds, fired.summary).toBe(true);
    await load(scenario.quiet);
    const quiet = await evaluateRule(expr, series, NOW);
    expect(quiet.holds, quiet.summary).toBe(false);
  });
});
