import type { Kysely, Selectable } from 'kysely';
import { DayshiftError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import type { EvidenceInput, EvidenceItem, EvidenceSummary } from './evidence.js';
import { EvidenceRows } from './evidence-rows.js';
import { currentHolder } from './holder.js';
import {
  type RunningRun,
  type RunRecord,
  type RunStepRecord,
  type RunSummary,
  summaryOf,
} from './records.js';
import {
  FINISHED_RUN_STATUSES,
  type FinishedRunStatus,
  isFinished,
  type RunStatus,
  runStateConflict,
  statusesBefore,
} from './states.js';

/**
 * The record of runs: started, a row per step as it ends, evidence as it is captured, moved between
 * statuses only as RUN_TRANSITIONS allows, finished with a status. Nothing else writes the `runs`,
 * `run_steps` and `run_evidence` tables; work records through a RunRecorder (recorder.ts).
 */
export class Runs {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #evidence: EvidenceRows;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    this.#evidence = new EvidenceRows(db, clock);
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

  /**
   * Closes a run as succeeded, failed or cancelled, with its summary. Refused with RUN_STATE_CONFLICT
   * when the run is already finished (a settlement or an operator closed it first).
   */
  finish(runId: number, status: FinishedRunStatus, summary: unknown): Promise<void> {
    return this.#move(runId, status, { summary: JSON.stringify(summary) });
  }

  /** Pauses a running run on an approval; `summary` says what it waits for. Its process may then end. */
  wait(runId: number, summary: unknown): Promise<void> {
    return this.#move(runId, 'waiting', { summary: JSON.stringify(summary) });
  }

  /** Takes a waiting run up again, held from now on by this process (and `job`, when a job's attempt resumes it). */
  resume(runId: number, job?: number): Promise<void> {
    const holder = currentHolder();
    return this.#move(runId, 'running', {
      summary: null,
      holder_host: holder.host,
      holder_pid: holder.pid,
      holder_started: holder.started,
      holder_job: job ?? null,
    });
  }

  /**
   * Moves a waiting run back to running because someone approved it: the process that paused it
   * (still holding it) sees the approval and goes on. `summary` records who and when.
   */
  approve(runId: number, summary: unknown): Promise<void> {
    return this.#move(runId, 'running', { summary: JSON.stringify(summary) });
  }

  /**
   * Takes over a running run opened by another process (an API request that queued its job): this
   * process (and `job`) holds it from now on. Returns false when the run is no longer running.
   */
  async adopt(runId: number, job?: number): Promise<boolean> {
    const holder = currentHolder();
    const result = await this.#db
      .updateTable('runs')
      .set({
        holder_host: holder.host,
        holder_pid: holder.pid,
        holder_started: holder.started,
        holder_job: job ?? null,
      })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Replaces a running run's summary with what it is doing now (a runbook's step processes), for the
   * process that settles it should this one die. Returns false when the run is no longer running.
   */
  async noteRunning(runId: number, summary: unknown): Promise<boolean> {
    const result = await this.#db
      .updateTable('runs')
      .set({ summary: JSON.stringify(summary) })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Deletes finished runs of these kinds that ended before `before`, with their steps and evidence, at
   * most `limit` at a time, oldest first. Returns how many went.
   */
  async prune(kinds: readonly string[], before: number, limit = 1_000): Promise<number> {
    const rows = await this.#db
      .selectFrom('runs')
      .select('id')
      .where('kind', 'in', [...kinds])
      .where('status', 'in', [...FINISHED_RUN_STATUSES])
      .where('finished_at', '<', before)
      .orderBy('id')
      .limit(limit)
      .execute();
    const ids = rows.map((r) => Number(r.id));
    if (ids.length === 0) return 0;
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('run_evidence').where('run_id', 'in', ids).execute();
      await trx.deleteFrom('run_steps').where('run_id', 'in', ids).execute();
      await trx.deleteFrom('runs').where('id', 'in', ids).execute();
    });
    return ids.length;
  }

  /** A run's status, or NOT_FOUND. */
  status(runId: number): Promise<RunStatus> {
    return this.#statusOf(runId);
  }

  /** A run's status and summary, as the process holding it polls them (a cancel, an approval). */
  async state(runId: number): Promise<{ status: RunStatus; summary: unknown } | undefined> {
    const row = await this.#db
      .selectFrom('runs')
      .select(['status', 'summary'])
      .where('id', '=', runId)
      .executeTakeFirst();
    return row
      ? { status: row.status as RunStatus, summary: row.summary ? JSON.parse(row.summary) : null }
      : undefined;
  }

  /** The runs of a kind and name not finished yet (running or waiting), oldest first. */
  async unfinished(kind: string, name: string): Promise<RunSummary[]> {
    const rows = await this.#db
      .selectFrom('runs')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', '=', name)
      .where('status', 'in', ['running', 'waiting'])
      .orderBy('id')
      .execute();
    return rows.map(summaryOf);
  }

  /** How many runs of a kind and name started at or after `since` (ms). */
  async startedSince(kind: string, name: string, since: number): Promise<number> {
    const row = await this.#db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('kind', '=', kind)
      .where('name', '=', name)
      .where('started_at', '>=', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Closes a run its process never finished (killed mid-run) as failed, with the reason as its summary.
   * Only a run still marked running is changed (a waiting run is held by no process, and a finished
   * one never changes), or also a waiting one with `waiting` (a runbook's run paused on an approval is
   * held by the process that waits for it); returns whether it was.
   */
  async interrupt(runId: number, reason: string, options: { waiting?: boolean } = {}): Promise<boolean> {
    const result = await this.#db
      .updateTable('runs')
      .set({ status: 'failed', finished_at: this.#clock.now(), summary: JSON.stringify({ error: reason }) })
      .where('id', '=', runId)
      .where('status', 'in', options.waiting ? ['running', 'waiting'] : ['running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Moves a run to `to` in one conditional update, so two writers (an operator cancelling, the process
   * finishing) never both win; the loser gets RUN_STATE_CONFLICT, or NOT_FOUND for no such run.
   */
  async #move(
    runId: number,
    to: RunStatus,
    set: { summary: string | null } & Partial<Selectable<Database['runs']>>,
  ): Promise<void> {
    const finished = isFinished(to);
    const result = await this.#db
      .updateTable('runs')
      .set({ ...set, status: to, finished_at: finished ? this.#clock.now() : null })
      .where('id', '=', runId)
      .where('status', 'in', statusesBefore(to))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return;
    throw runStateConflict(runId, await this.#statusOf(runId), to);
  }

  async #statusOf(runId: number): Promise<RunStatus> {
    const row = await this.#db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst();
    if (!row) throw new DayshiftError('NOT_FOUND', `there is no run ${runId}`);
    return row.status as RunStatus;
  }

  /**
   * Keeps an item of evidence for a run that is running or waiting: scrubbed of secrets, cut to
   * EVIDENCE_MAX_BYTES, with the whole content's size and SHA-256. A finished run's evidence is closed.
   */
  async addEvidence(runId: number, input: EvidenceInput): Promise<EvidenceSummary> {
    const status = await this.#statusOf(runId);
    if (status !== 'running' && status !== 'waiting')
      throw new DayshiftError('RUN_STATE_CONFLICT', `run ${runId} is ${status}; it takes no more evidence`, {
        hint: 'evidence is added while a run is running or waiting',
      });
    return this.#evidence.add(runId, input);
  }

  /** A run's evidence in the order it was captured, without contents. */
  evidence(runId: number): Promise<EvidenceSummary[]> {
    return this.#evidence.list(runId);
  }

  /** One item of a run's evidence with its content; undefined when the run has no such item. */
  evidenceItem(runId: number, itemId: number): Promise<EvidenceItem | undefined> {
    return this.#evidence.get(runId, itemId);
  }

  /**
   * The runs still marked running (and waiting, with `waiting`), of the given kinds (and name), with
   * the process holding each.
   */
  async running(filter: {
    kinds: readonly string[];
    name?: string;
    waiting?: boolean;
  }): Promise<RunningRun[]> {
    let query = this.#db
      .selectFrom('runs')
      .selectAll()
      .where('status', 'in', filter.waiting ? ['running', 'waiting'] : ['running'])
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

  /**
   * The newest finished run of a kind and name, optionally with a given status (or one of several). A
   * running or waiting run is not finished, so it is never the answer.
   */
  async latest(
    kind: string,
    name: string,
    status?: FinishedRunStatus | readonly FinishedRunStatus[],
  ): Promise<RunSummary | undefined> {
    const statuses =
      status === undefined ? FINISHED_RUN_STATUSES : typeof status === 'string' ? [status] : status;
    const query = this.#db
      .selectFrom('runs')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', '=', name)
      .where('status', 'in', [...statuses]);
    const row = await query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? summaryOf(row) : undefined;
  }

  /** When the newest run of these kinds ended (ms), or null when none has: one cheap query to poll. */
  async lastEnded(kinds: readonly string[]): Promise<number | null> {
    const row = await this.#db
      .selectFrom('runs')
      .select((eb) => eb.fn.max('finished_at').as('last'))
      .where('kind', 'in', [...kinds])
      .executeTakeFirst();
    return row?.last == null ? null : Number(row.last);
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

  /**
   * Runs of the given kinds and names that had not finished by `since` (still going, or finished
   * since), oldest first, a page of `limit` after the id `afterId`: what an incident's timeline follows.
   */
  async touching(
    groups: ReadonlyArray<{ kinds: readonly string[]; names: readonly string[] }>,
    since: number,
    page: { afterId: number; limit: number },
  ): Promise<RunSummary[]> {
    const wanted = groups.filter((g) => g.kinds.length > 0 && g.names.length > 0);
    if (wanted.length === 0) return [];
    const rows = await this.#db
      .selectFrom('runs')
      .selectAll()
      .where((eb) =>
        eb.or(wanted.map((g) => eb.and([eb('kind', 'in', [...g.kinds]), eb('name', 'in', [...g.names])]))),
      )
      .where((eb) => eb.or([eb('finished_at', 'is', null), eb('finished_at', '>=', since)]))
      .where('id', '>', page.afterId)
      .orderBy('id')
      .limit(page.limit)
      .execute();
    return rows.map(summaryOf);
  }

  /** The name of each run's first step (a service action's run has one, named after the action). */
  async firstStepNames(runIds: readonly number[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    if (runIds.length === 0) return names;
    const steps = await this.#db
      .selectFrom('run_steps')
      .select(['run_id', 'name'])
      .where('run_id', 'in', [...runIds])
      .orderBy('position', 'desc')
      .execute();
    for (const s of steps) names.set(Number(s.run_id), s.name);
    return names;
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
