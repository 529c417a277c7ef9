import { DayshiftError } from '../errors.js';
import type { Runs } from '../runs/runs.js';
import { scrubSecrets } from '../schema/secret.js';
import type { Clock } from '../util/clock.js';

/** Anything recorded, with every known secret value replaced: run records are shown to users. */
export function scrubbed<T>(value: T): T {
  if (value === undefined) return value;
  return JSON.parse(scrubSecrets(JSON.stringify(value))) as T;
}

/**
 * The job attempt a backup, drill, verify or restore runs in. The job holds the run: it keeps the
 * run's id (`started`, before any work), so a retry or the end of the job closes a run whose attempt
 * was killed. Without one (the CLI), the run is held by its process alone.
 */
export interface JobAttempt {
  job: number;
  started(runId: number): Promise<void>;
}

/**
 * Records a backup, verify, restore or drill as a run: each step with its outcome, time and result,
 * then the run's status and summary. A failing step is recorded with the error's message (scrubbed)
 * and the error goes on to the caller.
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

  /** Goes on recording a run that exists, after its last recorded step (a crash recovery closing it). */
  static resume(runs: Runs, clock: Clock, runId: number, steps: number): RunRecorder {
    return new RunRecorder(runs, clock, runId, steps);
  }

  /** Opens the run; a job's attempt is told its id before any work starts. */
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

  /** Runs one step and records it; `okOf` decides a result that is not an exception (a failed check). */
  async step<T>(
    name: string,
    kind: string,
    work: () => Promise<T>,
    resultOf: (value: T) => unknown = () => null,
    okOf: (value: T) => boolean = () => true,
  ): Promise<T> {
    const position = ++this.#position;
    const startedAt = this.#clock.now();
    try {
      const value = await work();
      await this.record(position, name, kind, okOf(value) ? 'pass' : 'fail', startedAt, resultOf(value));
      return value;
    } catch (error) {
      await this.record(position, name, kind, 'fail', startedAt, describeError(error));
      throw error;
    }
  }

  /** Records a step that was measured elsewhere. */
  async record(
    position: number | undefined,
    name: string,
    kind: string,
    outcome: string,
    startedAt: number,
    result: unknown,
  ): Promise<void> {
    await this.#runs.step(this.runId, {
      position: position ?? ++this.#position,
      name: scrubSecrets(name),
      kind,
      outcome,
      startedAt,
      durationMs: this.#clock.now() - startedAt,
      result: scrubbed(result),
    });
  }

  finish(status: 'succeeded' | 'failed', summary: unknown): Promise<void> {
    return this.#runs.finish(this.runId, status, scrubbed(summary));
  }

  fail(error: unknown): Promise<void> {
    return this.finish('failed', describeError(error));
  }
}

export function describeError(error: unknown): { error: string; hint?: string } {
  const message = scrubSecrets(error instanceof Error ? error.message : String(error));
  const hint = error instanceof DayshiftError && error.hint ? scrubSecrets(error.hint) : undefined;
  return hint ? { error: message, hint } : { error: message };
}
