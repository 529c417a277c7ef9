import type { Kysely } from 'kysely';
import type { CheckResult } from '../checks/types.js';
import { escapeLabel, family } from '../http/prom-text.js';
import type { Database } from '../store/schema.js';
import type { MonitoredCheck } from './configured-checks.js';
import { CHECK_STATES } from './state-machine.js';

/** Rows per read of check_states during a scrape. */
const PAGE = 2_000;

/**
 * Named values exported per check. A query's `group by` gives one value per row, so a check's values
 * are as many as its data has groups; the cap keeps a scrape's size set by the stack file, not by data.
 */
const MAX_VALUES_PER_CHECK = 50;

/** The phases of an http check's last request, as blackbox_exporter names them; they add up to it. */
const HTTP_PHASES = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const;

/** Lets the check timer run between pages: a whole scrape at 20,000 checks would block it for ~0.3 s. */
const yieldToTimers = () => new Promise<void>((resolve) => setImmediate(resolve));

interface StateRow {
  check_id: string;
  state: string;
  last_outcome: string | null;
  last_latency_ms: number | null;
  last_result: string | null;
}

/** Every check's state row, read in pages in check_id order with the event loop free in between. */
async function* statePages(db: Kysely<Database>): AsyncGenerator<StateRow> {
  let after = '';
  for (;;) {
    const page: StateRow[] = await db
      .selectFrom('check_states')
      .select(['check_id', 'state', 'last_outcome', 'last_latency_ms', 'last_result'])
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

/** What the scrape knows of each configured check: its labels, and whether its last result is read. */
export interface ExportedCheck {
  check: MonitoredCheck;
  /** `service="..",check="..",kind=".."`, escaped. */
  labels: string;
  /** Its results can carry a status, timings, named values or a certificate. */
  readsResult: boolean;
  /** It makes HTTP requests: its status and phases are exported on every run, 0 when it got no answer. */
  http: boolean;
}

/** The lines of each per-check family, filled row by row. */
class Lines {
  up: string[] = [];
  state: string[] = [];
  latency: string[] = [];
  failures: string[] = [];
  status: string[] = [];
  phases: string[] = [];
  cert: string[] = [];
  values: string[] = [];
  lastPing: string[] = [];
}

/**
 * The per-check series, read from the store at scrape time so every node reports every check the same
 * way; only the failures counter is this node's own. Checks no longer in the stack file are skipped, so
 * their series end with them; every state of a check is a series of its own, 1 for the current one.
 */
export async function checkSeries(
  db: Kysely<Database>,
  checks: ReadonlyMap<string, ExportedCheck>,
  failedRuns: (checkId: string) => number,
): Promise<string> {
  const out = new Lines();
  for (const { labels, check } of checks.values())
    out.failures.push(`dayshift_check_failures_total{${labels}} ${failedRuns(check.id)}`);
  for await (const row of statePages(db)) {
    const exported = checks.get(row.check_id);
    if (!exported) continue;
    const { labels } = exported;
    if (row.last_outcome) out.up.push(`dayshift_check_up{${labels}} ${row.last_outcome === 'fail' ? 0 : 1}`);
    for (const state of CHECK_STATES)
      out.state.push(`dayshift_check_state{${labels},state="${state}"} ${row.state === state ? 1 : 0}`);
    if (row.last_latency_ms !== null)
      out.latency.push(`dayshift_check_latency_seconds{${labels}} ${row.last_latency_ms / 1000}`);
    // Only checks whose results can carry more are parsed: a scrape must stay cheap at 20,000 checks.
    if (exported.readsResult && row.last_result)
      addResult(out, exported, JSON.parse(row.last_result) as CheckResult);
  }
  await addLastPings(db, checks, out);
  return [
    family(
      'dayshift_check_up',
      'gauge',
      '1 when the last run of the check passed (or passed with warnings), 0 when it failed.',
      out.up,
    ),
    family(
      'dayshift_check_state',
      'gauge',
      "One series per state a check can be in: 1 for the check's current state, 0 for the others.",
      out.state,
    ),
    family('dayshift_check_latency_seconds', 'gauge', 'Latency of the last run of each check.', out.latency),
    family(
      'dayshift_check_failures_total',
      'counter',
      'Failed runs of each check this node recorded since it started.',
      out.failures,
    ),
    family(
      'dayshift_check_http_status_code',
      'gauge',
      'The HTTP status code of the last response an http check got.',
      out.status,
    ),
    family(
      'dayshift_check_http_duration_seconds',
      'gauge',
      "Duration of each phase of an http check's last request: resolve, connect, tls, processing, transfer.",
      out.phases,
    ),
    family(
      'dayshift_check_cert_expiry_timestamp_seconds',
      'gauge',
      'When the certificate a check last saw expires (Unix time): http over https, tls and cert_file checks.',
      out.cert,
    ),
    family(
      'dayshift_check_value',
      'gauge',
      "The named values of each check's last run (connections_pct, value, ...); true is 1, false 0.",
      out.values,
    ),
    family(
      'dayshift_heartbeat_last_ping_timestamp_seconds',
      'gauge',
      'When the job of each heartbeat check last reported success to its URL (Unix time).',
      out.lastPing,
    ),
  ].join('');
}

function addResult(out: Lines, { labels, http }: ExportedCheck, result: CheckResult): void {
  // As blackbox_exporter does: a request that got no answer reads status 0 and phases 0, so the
  // series stay continuous across an outage.
  if (http) {
    out.status.push(`dayshift_check_http_status_code{${labels}} ${result.status ?? 0}`);
    const t = result.timings ?? {};
    const resolve = t.dns ?? 0;
    const connect = t.connect ?? 0;
    const tls = t.tls ?? 0;
    const ms = {
      resolve,
      connect,
      tls,
      processing: Math.max(0, (t.first_byte ?? 0) - resolve - connect - tls),
      transfer: t.transfer ?? 0,
    };
    for (const phase of HTTP_PHASES)
      out.phases.push(`dayshift_check_http_duration_seconds{${labels},phase="${phase}"} ${ms[phase] / 1000}`);
  }
  const expiresAt = certExpiresAt(result);
  if (expiresAt !== undefined)
    out.cert.push(`dayshift_check_cert_expiry_timestamp_seconds{${labels}} ${expiresAt / 1000}`);
  let values = 0;
  for (const [name, value] of Object.entries(result.values)) {
    // The expiry has its own timestamp series; a days figure would be a second, coarser copy.
    if (name === 'cert_expires_in_days') continue;
    const n = typeof value === 'boolean' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) continue;
    if (++values > MAX_VALUES_PER_CHECK) break;
    out.values.push(`dayshift_check_value{${labels},name="${escapeLabel(name)}"} ${n}`);
  }
}

/** The certificate's notAfter; a result stored before it was recorded gives it from the days left. */
function certExpiresAt(result: CheckResult): number | undefined {
  if (typeof result.certExpiresAt === 'number') return result.certExpiresAt;
  const days = result.values.cert_expires_in_days;
  return typeof days === 'number' ? Math.round((result.at + days * 86_400_000) / 1000) * 1000 : undefined;
}

/** The last successful ping of every heartbeat check, from where the ping URL records it. */
async function addLastPings(
  db: Kysely<Database>,
  checks: ReadonlyMap<string, ExportedCheck>,
  out: Lines,
): Promise<void> {
  const rows = await db
    .selectFrom('heartbeats')
    .select(['check_id', 'last_ping_at'])
    .where('last_ping_at', 'is not', null)
    .orderBy('check_id')
    .execute();
  for (const row of rows) {
    const check = checks.get(row.check_id)?.check;
    if (!check || row.last_ping_at === null) continue;
    out.lastPing.push(
      `dayshift_heartbeat_last_ping_timestamp_seconds{service="${escapeLabel(check.service)}",check="${escapeLabel(check.name)}"} ${Number(row.last_ping_at) / 1000}`,
    );
  }
}
