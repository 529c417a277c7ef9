import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { currentHolder, type RunHolder } from './holder.js';

export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface RunStepRecord {
  position: number;
  name: string;
  kind: string;
  outcome: string;
  startedAt: number;
  durationMs: number;
  result: unknown;
}

/** A run without its steps, as lists show it. */
export type RunSummary = Omit<RunRecord, 'steps'>;

export interface RunRecord {
  id: number;
  kind: string;
  name: string;
  status: RunStatus;
  trigger: string;
  startedAt: number;
  finishedAt: number | null;
  summary: unknown;
  steps: RunStepRecord[];
}

/**
 * A run still marked running, the process holding it (null: recorded before holders were) and the
 * job whose attempt opened it (null: none did).
 */
export type RunningRun = RunSummary & { holder: RunHolder | null; job: number | null };

/** The record of runs: started, a row per step as it ends, finished with a status. */
export class Runs {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Opens a run, held by this process (and `job`, when a job's attempt opens it) until it finishes. */
  async start(kind: string, name: string, trigger: string, job?: number): Promise<number> {
    const holder = currentHolder();
    const row = await this.#db
      .insertInto('runs')
      .values({
        kind,
        name,
        trigger,
        status: 'running',
        started_at: this.#clock.now(),
        finished_at: null,
        summary: null,
        holder_host: holder.host,
        holder_pid: holder.pid,
        holder_started: holder.started,
        holder_job: job ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async step(runId: number, step: RunStepRecord): Promise<void> {
    await this.#db
      .insertInto('run_steps')
      .values({
        run_id: runId,
        position: step.position,
        name: step.name,
        kind: step.kind,
        outcome: step.outcome,
        started_at: step.startedAt,
        duration_ms: step.durationMs,
        result: step.result === undefined ? null : JSON.stringify(step.result),
      })
      .execute();
  }

  async finish(runId: number, status: Exclude<RunStatus, 'running'>, summary: unknown): Promise<void> {
    await this.#db
      .updateTable('runs')
      .set({ status, finished_at: this.#clock.now(), summary: JSON.stringify(summary) })
      .where('id', '=', runId)
      .execute();
  }

  /**
   * Closes a run its process never finished (killed mid-run) as failed, with the reason as its summary.
   * Only a run still marked running is changed; returns whether it was.
   */
  async interrupt(runId: number, reason: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('runs')
      .set({ status: 'failed', finished_at: this.#clock.now(), summary: JSON.stringify({ error: reason }) })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The runs still marked running, of the given kinds (and name), with the process holding each. */
  async running(filter: { kinds: readonly string[]; name?: string }): Promise<RunningRun[]> {
    let query = this.#db
      .selectFrom('runs')
      .selectAll()
      .where('status', '=', 'running')
      .where('kind', 'in', [...filter.kinds]);
    if (filter.name !== undefined) query = query.where('name', '=', filter.name);
    const rows = await query.orderBy('id').execute();
    return rows.map((row) => ({
      ...summaryOf(row),
      holder:
        row.holder_host === null || row.holder_pid === null
          ? null
          : { host: row.holder_host, pid: Number(row.holder_pid), started: row.holder_started },
      job: row.holder_job === null ? null : Number(row.holder_job),
    }));
  }

  /** The newest finished run of a kind and name, optionally with a given status. */
  async latest(
    kind: string,
    name: string,
    status?: Exclude<RunStatus, 'running'>,
  ): Promise<RunSummary | undefined> {
    let query = this.#db
      .selectFrom('runs')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', '=', name)
      .where('status', '!=', 'running');
    if (status) query = query.where('status', '=', status);
    const row = await query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? summaryOf(row) : undefined;
  }

  /** The oldest run of a kind and name, finished or not. */
  async first(kind: string, name: string): Promise<RunSummary | undefined> {
    const row = await this.#db
      .selectFrom('runs')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', '=', name)
      .orderBy('started_at', 'asc')
      .orderBy('id', 'asc')
      .limit(1)
      .executeTakeFirst();
    return row ? summaryOf(row) : undefined;
  }

  /** Runs, newest first: of the given kinds and name, before an id (paging). */
  async list(filter: {
    kinds?: readonly string[];
    name?: string;
    limit?: number;
    beforeId?: number;
  }): Promise<RunSummary[]> {
    let query = this.#db.selectFrom('runs').selectAll();
    if (filter.kinds) query = query.where('kind', 'in', [...filter.kinds]);
    if (filter.name !== undefined) query = query.where('name', '=', filter.name);
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 50)
      .execute();
    return rows.map(summaryOf);
  }

  async get(runId: number): Promise<RunRecord | undefined> {
    const run = await this.#db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    if (!run) return undefined;
    const steps = await this.#db
      .selectFrom('run_steps')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('position')
      .execute();
    return {
      ...summaryOf(run),
      steps: steps.map((s) => ({
        position: s.position,
        name: s.name,
        kind: s.kind,
        outcome: s.outcome,
        startedAt: Number(s.started_at),
        durationMs: s.duration_ms,
        result: s.result ? JSON.parse(s.result) : null,
      })),
    };
  }
}

function summaryOf(run: Selectable<Database['runs']>): RunSummary {
  return {
    id: Number(run.id),
    kind: run.kind,
    name: run.name,
    status: run.status as RunStatus,
    trigger: run.trigger,
    startedAt: Number(run.started_at),
    finishedAt: run.finished_at === null ? null : Number(run.finished_at),
    summary: run.summary ? JSON.parse(run.summary) : null,
  };
}
