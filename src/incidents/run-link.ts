import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DEPLOY_RUN_KIND } from '../deploys/deploys.js';
import { Releases } from '../deploys/releases.js';
import { RUNBOOK_RUN_KIND } from '../runbooks/runbooks.js';
import { Runs } from '../runs/runs.js';
import { isFinished, type RunStatus } from '../runs/states.js';
import { SERVICE_RUN_KIND } from '../services/recorded-action.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { LINK_LOOKBACK_MS } from './alert-link.js';
import { appendEvents } from './records.js';
import { runbookServices } from './run-services.js';
import { INCIDENT_STATUSES, type NewIncidentEvent } from './types.js';

const OPEN = INCIDENT_STATUSES.filter((s) => s !== 'resolved');

/** Rows read per query. */
const PAGE = 500;

/** An incident as the run link reads it: when it was open, and on which services. */
interface Span {
  id: number;
  services: string[];
  openedAt: number;
  resolvedAt: number | null;
}

/** A run on a service, as the link reads it. */
interface LinkedRun {
  id: number;
  kind: string;
  name: string;
  status: RunStatus;
  startedAt: number;
  finishedAt: number | null;
}

/** The release a deploy run made, as its events carry it. */
interface ReleaseRef {
  id: number;
  action: string;
  target: string;
  requested: string;
  state: string;
}

/**
 * Puts runbook runs, service actions and deploys on the timelines of the incidents open on their
 * services: a `run` event when one is seen going during the incident (key `run:<id>`) and another when
 * it ended (key `run:<id>:ended`), each with a link to the run. A run counts when it was going at some
 * time while the incident was open (a deploy still going when the alert fired is the likeliest cause).
 * Service actions and deploys are on the service they name; a runbook is on the services its steps
 * name (run-services.ts).
 *
 * Every node runs it; the keys make each event written once. It reads only runs not finished, or
 * finished within the last hour, so a pass costs what is recent, not the whole history.
 */
export class RunLink {
  readonly #db: Kysely<Database>;
  readonly #runs: Runs;
  readonly #releases: Releases;
  #config: StackConfig | undefined;
  #runbooks = new Map<string, Set<string>>();
  /**
   * The events (`<incident> <key>`) the last pass found or wrote: they need no look-up again. Only
   * what is new since (a run started or ended, an incident opened) is looked up in the store.
   */
  #written = new Set<string>();

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#runs = new Runs(db, clock);
    this.#releases = new Releases(db, clock);
  }

  async pass(config: StackConfig, now: number): Promise<number> {
    if (config !== this.#config) {
      this.#config = config;
      this.#runbooks = runbookServices(config);
    }
    const spans = await incidentSpans(this.#db, now - LINK_LOOKBACK_MS);
    const services = new Set(spans.flatMap((s) => s.services));
    if (services.size === 0) return 0;
    const runbooks = [...this.#runbooks]
      .filter(([, on]) => [...on].some((s) => services.has(s)))
      .map(([name]) => name);
    const runs = await this.#recentRuns([...services], runbooks, now - LINK_LOOKBACK_MS);
    if (runs.length === 0) return 0;

    const wanted: Array<{ incident: number; run: LinkedRun; ended: boolean }> = [];
    for (const run of runs) {
      const on = this.#servicesOf(run);
      for (const span of spans) {
        if (!span.services.some((s) => on.has(s))) continue;
        if (run.startedAt >= (span.resolvedAt ?? Number.POSITIVE_INFINITY)) continue;
        if ((run.finishedAt ?? Number.POSITIVE_INFINITY) < span.openedAt) continue;
        wanted.push({ incident: span.id, run, ended: false });
        if (isFinished(run.status)) wanted.push({ incident: span.id, run, ended: true });
      }
    }
    const id = (w: (typeof wanted)[number]) => `${w.incident} ${keyOf(w.run.id, w.ended)}`;
    const unknown = wanted.filter((w) => !this.#written.has(id(w)));
    const found = await existingKeys(
      this.#db,
      unknown.map((w) => w.incident),
      unknown.map((w) => keyOf(w.run.id, w.ended)),
    );
    const missing = unknown.filter((w) => !found.has(id(w)));
    let count = 0;
    if (missing.length > 0) {
      const details = await this.#details(missing.map((m) => m.run));
      const events = missing.map(({ incident, run, ended }) => runEvent(incident, run, ended, details));
      for (const batch of chunks(events, PAGE)) count += await appendEvents(this.#db, batch);
    }
    // Everything wanted is on its timeline now (written here, or by another node: the key held it).
    this.#written = new Set(wanted.map(id));
    return count;
  }

  #servicesOf(run: LinkedRun): Set<string> {
    if (run.kind === RUNBOOK_RUN_KIND) return this.#runbooks.get(run.name) ?? new Set();
    return new Set([run.name]);
  }

  /** Runs of these services and runbooks not finished, or finished since `since`, oldest first. */
  async #recentRuns(services: string[], runbooks: string[], since: number): Promise<LinkedRun[]> {
    const groups = [
      { kinds: [SERVICE_RUN_KIND, DEPLOY_RUN_KIND], names: services },
      { kinds: [RUNBOOK_RUN_KIND], names: runbooks },
    ];
    const out: LinkedRun[] = [];
    let afterId = 0;
    for (;;) {
      const page = await this.#runs.touching(groups, since, { afterId, limit: PAGE });
      out.push(...page);
      if (page.length < PAGE) return out;
      afterId = page[page.length - 1]?.id ?? afterId;
    }
  }

  /** What names a run in words: a service action's action (its step), a deploy's release. */
  async #details(runs: LinkedRun[]): Promise<Details> {
    const actions = new Map<number, string>();
    const releases = new Map<number, ReleaseRef>();
    const services = [...new Set(runs.filter((r) => r.kind === SERVICE_RUN_KIND).map((r) => r.id))];
    const deploys = [...new Set(runs.filter((r) => r.kind === DEPLOY_RUN_KIND).map((r) => r.id))];
    for (const ids of chunks(services, PAGE))
      for (const [run, name] of await this.#runs.firstStepNames(ids)) actions.set(run, name);
    for (const ids of chunks(deploys, PAGE))
      for (const r of await this.#releases.ofRuns(ids))
        if (r.runId !== null)
          releases.set(r.runId, {
            id: r.id,
            action: r.action,
            target: r.target,
            requested: r.requested,
            state: r.state,
          });
    return { actions, releases };
  }
}

interface Details {
  actions: Map<number, string>;
  releases: Map<number, ReleaseRef>;
}

function keyOf(runId: number, ended: boolean): string {
  return ended ? `run:${runId}:ended` : `run:${runId}`;
}

/** `runbook worker-stuck started (dayshift run show 12)`, `deploy of web succeeded: v2 (...)`. */
function runEvent(incidentId: number, run: LinkedRun, ended: boolean, details: Details): NewIncidentEvent {
  const release = details.releases.get(run.id);
  const what =
    run.kind === RUNBOOK_RUN_KIND
      ? `runbook ${run.name}`
      : run.kind === DEPLOY_RUN_KIND
        ? `${release?.action ?? 'deploy'} of ${run.name}${release ? ` to ${release.requested}` : ''}`
        : `${details.actions.get(run.id) ?? 'action'} of ${run.name}`;
  const status = ended ? run.status : 'running';
  const said = ended ? run.status : 'started';
  return {
    incidentId,
    at: ended ? (run.finishedAt ?? run.startedAt) : run.startedAt,
    type: 'run',
    actor: `run:${run.id}`,
    text: `${what} ${said} (dayshift run show ${run.id})`,
    data: {
      run: run.id,
      kind: run.kind,
      name: run.name,
      status,
      url: `/api/v1/runs/${run.id}`,
      ...(ended ? { ended: true } : {}),
      ...(release ? { release } : {}),
    },
    key: keyOf(run.id, ended),
  };
}

/** The incidents open now, or resolved since `since`: those whose timelines may still gain runs. */
async function incidentSpans(db: Kysely<Database>, since: number): Promise<Span[]> {
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'services', 'opened_at', 'resolved_at'])
    .where((eb) =>
      eb.or([
        eb('status', 'in', OPEN),
        eb.and([eb('status', '=', 'resolved'), eb('resolved_at', '>=', since)]),
      ]),
    )
    .execute();
  return rows
    .map((r) => ({
      id: Number(r.id),
      services: JSON.parse(r.services) as string[],
      openedAt: Number(r.opened_at),
      resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    }))
    .filter((s) => s.services.length > 0);
}

/** Which of these keys the incidents' timelines hold already, as `<incident> <key>`. */
async function existingKeys(db: Kysely<Database>, incidents: number[], keys: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const ids = [...new Set(incidents)];
  const wanted = [...new Set(keys)];
  for (const someIds of chunks(ids, PAGE))
    for (const someKeys of chunks(wanted, PAGE)) {
      const rows = await db
        .selectFrom('incident_events')
        .select(['incident_id', 'key'])
        .where('incident_id', 'in', someIds)
        .where('key', 'in', someKeys)
        .execute();
      for (const r of rows) out.add(`${Number(r.incident_id)} ${r.key}`);
    }
  return out;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
