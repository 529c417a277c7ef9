import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';

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

/** The record of runs: started, a row per step as it ends, finished with a status. */
export class Runs {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async start(kind: string, name: string, trigger: string): Promise<number> {
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
      id: Number(run.id),
      kind: run.kind,
      name: run.name,
      status: run.status as RunStatus,
      trigger: run.trigger,
      startedAt: Number(run.started_at),
      finishedAt: run.finished_at === null ? null : Number(run.finished_at),
      summary: run.summary ? JSON.parse(run.summary) : null,
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
