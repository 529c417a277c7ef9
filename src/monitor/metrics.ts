import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import { seesCertificate } from '../checks/registry.js';
import type { CheckResult } from '../checks/types.js';
import { escapeLabel, family, type StoreSeries } from '../http/prom-text.js';
import type { Database } from '../store/schema.js';
import type { MonitoredCheck } from './configured-checks.js';
import type { Monitor } from './monitor.js';

interface StateRow {
  check_id: string;
  state: string;
  last_outcome: string | null;
  last_latency_ms: number | null;
}

/** Rows per read of check_states during a scrape. */
const PAGE = 2_000;

/** Lets the check timer run between pages: a whole scrape at 20,000 checks would block it for ~0.3 s. */
const yieldToTimers = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The last full results of the given checks; the big JSON is read only where it is needed. */
async function lastResultsOf(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('check_states')
      .select(['check_id', 'last_result'])
      .where('check_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const row of rows) if (row.last_result) out.set(row.check_id, row.last_result);
    await yieldToTimers();
  }
  return out;
}

/** Every check's state row, read in pages in check_id order with the event loop free in between. */
async function* statePages(db: Kysely<Database>): AsyncGenerator<StateRow> {
  let after = '';
  for (;;) {
    const page: StateRow[] = await db
      .selectFrom('check_states')
      .select(['check_id', 'state', 'last_outcome', 'last_latency_ms'])
      .where('check_id', '>', after)
      .orderBy('check_id')
      .limit(PAGE)
      .execute();
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]?.check_id ?? after;
    await yieldToTimers();
  }
}

/**
 * Per-check series, read from the store at scrape time so every node reports every check the same
 * way: up, state, last latency and certificate expiry. They are written as text directly: prom-client
 * takes most of a second to format 60,000 labelled values, and a scrape must not stall the check
 * timer. This node's own check timer figures (checks held, runs, lag, pending samples) are gauges in
 * the registry.
 */
export function addCheckMetrics(registry: Registry, db: Kysely<Database>, monitor: Monitor): StoreSeries {
  // Read at each scrape, so a reload's checks show and a removed check's series go; rebuilt only
  // when the list changed, as a scrape must stay cheap at 20,000 checks.
  let seen: readonly MonitoredCheck[] | undefined;
  let labelsOf = new Map<string, string>();
  let certificateChecks = new Set<string>();
  const refresh = () => {
    if (seen === monitor.checks) return;
    seen = monitor.checks;
    labelsOf = new Map(
      seen.map((c) => [
        c.id,
        `service="${escapeLabel(c.service)}",check="${escapeLabel(c.name)}",kind="${escapeLabel(c.kind)}"`,
      ]),
    );
    certificateChecks = new Set(seen.filter((c) => seesCertificate(c.kind, c.options)).map((c) => c.id));
  };
  addNodeGauges(registry, monitor);

  return async () => {
    refresh();
    const lastResults = await lastResultsOf(db, [...certificateChecks]);
    const up: string[] = [];
    const state: string[] = [];
    const latency: string[] = [];
    const cert: string[] = [];
    for await (const row of statePages(db)) {
      const labels = labelsOf.get(row.check_id);
      if (!labels) continue;
      if (row.last_outcome) up.push(`dayshift_check_up{${labels}} ${row.last_outcome === 'fail' ? 0 : 1}`);
      state.push(`dayshift_check_state{${labels},state="${escapeLabel(row.state)}"} 1`);
      if (row.last_latency_ms !== null)
        latency.push(`dayshift_check_latency_seconds{${labels}} ${row.last_latency_ms / 1000}`);
      // Only checks that can see a certificate are parsed: a scrape must stay cheap at 20,000 checks.
      const last = lastResults.get(row.check_id);
      if (last) {
        const days = (JSON.parse(last) as CheckResult).values.cert_expires_in_days;
        if (typeof days === 'number') cert.push(`dayshift_check_cert_expiry_days{${labels}} ${days}`);
      }
    }
    return [
      family(
        'dayshift_check_up',
        'gauge',
        '1 when the last run of the check passed (or passed with warnings), 0 when it failed.',
        up,
      ),
      family(
        'dayshift_check_state',
        'gauge',
        'The current state of each check, as a label; the value is always 1.',
        state,
      ),
      family('dayshift_check_latency_seconds', 'gauge', 'Latency of the last run of each check.', latency),
      family(
        'dayshift_check_cert_expiry_days',
        'gauge',
        'Days until the certificate a check saw expires (http, tls and cert_file checks).',
        cert,
      ),
    ].join('');
  };
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
    name: 'dayshift_check_schedule_lag_p99_seconds',
    help: 'p99 of the time between a run being due and starting, over the recent runs of this node.',
    registers: [registry],
    collect() {
      this.set(monitor.timer.lag.quantile(0.99) / 1000);
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
