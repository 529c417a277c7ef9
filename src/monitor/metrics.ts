import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import { checkKinds, seesCertificate } from '../checks/registry.js';
import type { ResultShape } from '../checks/types.js';
import { escapeLabel, family, type StoreSeries } from '../http/prom-text.js';
import type { Database } from '../store/schema.js';
import { checkSeries, type ExportedCheck } from './check-series.js';
import type { MonitoredCheck } from './configured-checks.js';
import type { Monitor } from './monitor.js';

/** The quantiles of the scheduling lag summary. */
const LAG_QUANTILES = [0.5, 0.9, 0.99] as const;

/**
 * The monitor's part of `/metrics`: per-check series read from the store at scrape time
 * (`check-series.ts`), written as text because prom-client takes most of a second to format 60,000
 * labelled values and a scrape must not stall the check timer; and this node's own check timer
 * figures (checks held, runs, lag, pending samples).
 */
export function addCheckMetrics(registry: Registry, db: Kysely<Database>, monitor: Monitor): StoreSeries {
  addNodeGauges(registry, monitor);
  // Read at each scrape, so a reload's checks show and a removed check's series go; the labels are
  // made again only when the list changed, as a scrape must stay cheap at 20,000 checks.
  let seen = monitor.checks;
  let checks = exportedChecks(seen);
  return async () => {
    if (seen !== monitor.checks) {
      seen = monitor.checks;
      checks = exportedChecks(seen);
    }
    return (await checkSeries(db, checks, (id) => monitor.writer.failedRuns(id))) + lagSummary(monitor);
  };
}

/** Labels made once per check, and which checks' last results hold something to export. */
function exportedChecks(checks: readonly MonitoredCheck[]): Map<string, ExportedCheck> {
  return new Map(
    checks.map((check) => {
      const shape: ResultShape = checkKinds[check.kind].produces(check.options as never);
      const http = shape.fields.includes('status');
      const readsResult =
        http ||
        shape.values.length > 0 ||
        shape.openValues === true ||
        seesCertificate(check.kind, check.options);
      const labels = `service="${escapeLabel(check.service)}",check="${escapeLabel(check.name)}",kind="${escapeLabel(check.kind)}"`;
      return [check.id, { check, labels, readsResult, http }];
    }),
  );
}

/** Start minus due time of this node's runs: quantiles over the recent runs, count and sum since start. */
function lagSummary(monitor: Monitor): string {
  const lag = monitor.timer.lag;
  const values = lag.quantiles(LAG_QUANTILES);
  const name = 'dayshift_check_schedule_lag_seconds';
  const lines = LAG_QUANTILES.map((q, i) => `${name}{quantile="${q}"} ${(values[i] ?? 0) / 1000}`);
  lines.push(`${name}_sum ${lag.sum / 1000}`, `${name}_count ${lag.count}`);
  return family(
    name,
    'summary',
    'Time between a check run being due and this node starting it; quantiles over the recent runs.',
    lines,
  );
}

function addNodeGauges(registry: Registry, monitor: Monitor): void {
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
      this.inc(monitor.timer.started - counted);
      counted = monitor.timer.started;
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
