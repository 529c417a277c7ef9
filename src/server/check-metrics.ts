import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CheckResult } from '../checks/types.js';
import type { Monitor } from '../monitor/monitor.js';
import type { Database } from '../store/schema.js';

/**
 * Per-check series, read from the store at scrape time so every node reports every check the same
 * way: up, state, last latency and certificate expiry. Plus this node's own scheduler: checks held,
 * runs started, scheduling lag and samples written.
 */
interface StateRow {
  check_id: string;
  state: string;
  last_outcome: string | null;
  last_latency_ms: number | null;
  last_result: string | null;
}

export function addCheckMetrics(registry: Registry, db: Kysely<Database>, monitor: Monitor): void {
  const labelNames = ['service', 'check', 'kind'] as const;
  const labelsOf = new Map(
    monitor.checks.map((c) => [c.id, { service: c.service, check: c.name, kind: c.kind }]),
  );
  const certificateChecks = new Set(
    monitor.checks
      .filter(
        (c) =>
          c.kind === 'tls' ||
          c.kind === 'cert_file' ||
          (c.kind === 'http' && String((c.options as { url?: string }).url).startsWith('https:')),
      )
      .map((c) => c.id),
  );
  // prom-client collects every metric of a scrape at once; they share one read of the states.
  let reading: { at: number; rows: Promise<StateRow[]> } | undefined;
  const states = () => {
    const now = Date.now();
    if (!reading || now - reading.at > 1_000)
      reading = {
        at: now,
        rows: db
          .selectFrom('check_states')
          .select(['check_id', 'state', 'last_outcome', 'last_latency_ms', 'last_result'])
          .execute(),
      };
    return reading.rows;
  };

  new Gauge({
    name: 'dayshift_check_up',
    help: '1 when the last run of the check passed (or passed with warnings), 0 when it failed.',
    labelNames,
    registers: [registry],
    async collect() {
      const rows = await states();
      this.reset();
      for (const row of rows) {
        const labels = labelsOf.get(row.check_id);
        if (labels && row.last_outcome) this.set(labels, row.last_outcome === 'fail' ? 0 : 1);
      }
    },
  });
  new Gauge({
    name: 'dayshift_check_state',
    // One series per check (its current state), not one per state: 20,000 checks would be 100,000 series.
    help: 'The current state of each check, as a label; the value is always 1.',
    labelNames: [...labelNames, 'state'],
    registers: [registry],
    async collect() {
      const rows = await states();
      this.reset();
      for (const row of rows) {
        const labels = labelsOf.get(row.check_id);
        if (labels) this.set({ ...labels, state: row.state }, 1);
      }
    },
  });
  new Gauge({
    name: 'dayshift_check_latency_seconds',
    help: 'Latency of the last run of each check.',
    labelNames,
    registers: [registry],
    async collect() {
      const rows = await states();
      this.reset();
      for (const row of rows) {
        const labels = labelsOf.get(row.check_id);
        if (labels && row.last_latency_ms !== null) this.set(labels, row.last_latency_ms / 1000);
      }
    },
  });
  new Gauge({
    name: 'dayshift_check_cert_expiry_days',
    help: 'Days until the certificate a check saw expires (http, tls and cert_file checks).',
    labelNames,
    registers: [registry],
    async collect() {
      const rows = await states();
      this.reset();
      for (const row of rows) {
        const labels = labelsOf.get(row.check_id);
        // Only checks that can see a certificate are parsed: a scrape must stay cheap at 20,000 checks.
        if (!labels || !row.last_result || !certificateChecks.has(row.check_id)) continue;
        const days = (JSON.parse(row.last_result) as CheckResult).values.cert_expires_in_days;
        if (typeof days === 'number') this.set(labels, days);
      }
    },
  });

  new Gauge({
    name: 'dayshift_checks_held',
    help: 'Checks this node runs on its timer.',
    registers: [registry],
    collect() {
      this.set(monitor.held.size);
    },
  });
  let counted = 0;
  new Counter({
    name: 'dayshift_check_runs_total',
    help: 'Check runs this node started on its timer.',
    registers: [registry],
    collect() {
      this.inc(monitor.scheduler.started - counted);
      counted = monitor.scheduler.started;
    },
  });
  new Gauge({
    name: 'dayshift_check_schedule_lag_p99_seconds',
    help: 'p99 of the time between a run being due and starting, over the recent runs of this node.',
    registers: [registry],
    collect() {
      this.set(monitor.scheduler.lag.quantile(0.99) / 1000);
    },
  });
  new Gauge({
    name: 'dayshift_check_samples_pending',
    help: 'Samples this node holds in memory waiting for the next batch write.',
    registers: [registry],
    collect() {
      this.set(monitor.writer.pending);
    },
  });
}
