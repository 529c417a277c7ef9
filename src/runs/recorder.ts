import { DayshiftError } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';
import type { Clock } from '../util/clock.js';
import type { EvidenceInput, EvidenceSummary } from './evidence.js';
import type { Runs } from './runs.js';
import { describeError, scrubbed } from './scrubbed.js';

/**
 * The job attempt a run is recorded in. The job holds the run: it keeps the run's id (`started`,
 * before any work), so a retry or the end of the job can close a run whose attempt was killed.
 * Without one (the CLI), the run is held by its process alone.
 */
export interface JobAttempt {
  job: number;
  started(runId: number): Promise<void>;
}

/** A step measured elsewhere, as `record` takes it. */
export interface StepEntry {
  name: string;
  kind: string;
  /** 'pass' | 'warn' | 'fail' | 'skipped' */
  outcome: string;
  startedAt: number;
  /** The time from `startedAt` until it is recorded, unless the step measured its own. */
  durationMs?: number;
  result: unknown;
  /** The next position, unless given. */
  position?: number;
}

/** What a step's work is handed while it runs: its position, and a way to keep evidence with it. */
export interface StepScope {
  position: number;
  evidence(item: Omit<EvidenceInput, 'step'>): Promise<EvidenceSummary>;
}

/**
 * Records one run of anything (a backup, a drill, a smoke suite, later a runbook or a deploy): each
 * step with its outcome, time and result, evidence as it is captured, pauses on an approval, and the
 * run's end. Everything recorded is scrubbed of secret values. A failing step is recorded with the
 * error's message and the error goes on to the caller. Moves the states table refuses throw
 * RUN_STATE_CONFLICT (src/runs/states.ts).
 */
export class RunRecorder {
  readonly runId: number;
  readonly #runs: Runs;
  readonly #clock: Clock;
  #position = 0;

  private constructor(runs: Runs, clock: Clock, runId: number, position = 0) {
    this.#runs = runs;
    this.#clock = clock;
    this.runId = runId;
    this.#position = position;
  }

  /** Opens a run; a job's attempt is told its id before any work starts. */
  static async start(
    runs: Runs,
    clock: Clock,
    kind: string,
    name: string,
    trigger: string,
    attempt?: JobAttempt,
  ): Promise<RunRecorder> {
    const runId = await runs.start(kind, name, trigger, attempt?.job);
    await attempt?.started(runId);
    return new RunRecorder(runs, clock, runId);
  }

  /** Goes on recording a run that is still open, after its last step (a crash recovery closing it). */
  static attach(runs: Runs, clock: Clock, runId: number, steps: number): RunRecorder {
    return new RunRecorder(runs, clock, runId, steps);
  }

  /**
   * Takes a waiting run up again (its approval came), held by this process and `attempt`'s job from
   * now on; its next step follows the last one recorded. RUN_STATE_CONFLICT unless it is waiting.
   */
  static async resume(runs: Runs, clock: Clock, runId: number, attempt?: JobAttempt): Promise<RunRecorder> {
    await runs.resume(runId, attempt?.job);
    await attempt?.started(runId);
    const run = await runs.get(runId);
    const last = Math.max(0, ...(run?.steps ?? []).map((s) => s.position));
    return new RunRecorder(runs, clock, runId, last);
  }

  /**
   * Runs one step and records it; `okOf` decides a result that is not an exception (a failed check).
   * The work is handed its scope, to keep evidence with the step as it captures it.
   */
  async step<T>(
    name: string,
    kind: string,
    work: (scope: StepScope) => Promise<T>,
    resultOf: (value: T) => unknown = () => null,
    okOf: (value: T) => boolean = () => true,
  ): Promise<T> {
    const position = ++this.#position;
    const startedAt = this.#clock.now();
    const scope: StepScope = { position, evidence: (item) => this.evidence({ ...item, step: position }) };
    try {
      const value = await work(scope);
      const outcome = okOf(value) ? 'pass' : 'fail';
      await this.record({ position, name, kind, outcome, startedAt, result: resultOf(value) });
      return value;
    } catch (error) {
      await this.record({ position, name, kind, outcome: 'fail', startedAt, result: describeError(error) });
      throw error;
    }
  }

  /** Records a step that was measured elsewhere. */
  async record(entry: StepEntry): Promise<void> {
    const position = entry.position ?? this.#position + 1;
    this.#position = Math.max(this.#position, position);
    await this.#runs.step(this.runId, {
      position,
      name: scrubSecrets(entry.name),
      kind: entry.kind,
      outcome: entry.outcome,
      startedAt: entry.startedAt,
      durationMs: entry.durationMs ?? this.#clock.now() - entry.startedAt,
      result: scrubbed(entry.result),
    });
  }

  /** Keeps an item of evidence with the run (or, with `step`, one of its steps): scrubbed, bounded, hashed. */
  evidence(item: EvidenceInput): Promise<EvidenceSummary> {
    return this.#runs.addEvidence(this.runId, item);
  }

  /** Pauses the run on an approval; `summary` says what it waits for. The process may then end. */
  wait(summary: unknown): Promise<void> {
    return this.#runs.wait(this.runId, scrubbed(summary));
  }

  finish(status: 'succeeded' | 'failed', summary: unknown): Promise<void> {
    return this.#runs.finish(this.runId, status, scrubbed(summary));
  }

  /** Closes the run as cancelled: an operator stopped it. */
  cancel(summary: unknown): Promise<void> {
    return this.#runs.finish(this.runId, 'cancelled', scrubbed(summary));
  }

  /**
   * Closes the run as failed with the error. A run that was closed meanwhile (an operator cancelled
   * it, a settlement closed it) keeps how it ended, and this returns false without throwing: the
   * caller is handling `error` already, which says more than the conflict would.
   */
  async fail(error: unknown): Promise<boolean> {
    try {
      await this.#runs.finish(this.runId, 'failed', describeError(error));
      return true;
    } catch (conflict) {
      if (conflict instanceof DayshiftError && conflict.code === 'RUN_STATE_CONFLICT') return false;
      throw conflict;
    }
  }
}
