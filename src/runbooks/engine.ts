import { setTimeout as sleepFor } from 'node:timers/promises';
import { evaluateCondition } from '../conditions/index.js';
import { DEFAULTS } from '../config/defaults.js';
import { type RunbookDefinition, type RunbookStep, stepNames } from '../config/sections/runbooks.js';
import { boundContent } from '../runs/evidence.js';
import { currentHolder, startTimeOf } from '../runs/holder.js';
import type { RunRecorder, StepScope } from '../runs/recorder.js';
import type { Runs } from '../runs/runs.js';
import { describeError } from '../runs/scrubbed.js';
import { formatDuration, parseDuration } from '../schema/duration.js';
import { stepKinds } from '../steps/registry.js';
import type { ParamValue, StepContext, StepKindDefinition, StepOutcome } from '../steps/types.js';
import type { Clock } from '../util/clock.js';
import { fillParams } from './params.js';
import type { Ports } from './ports.js';

const STEP_TIMEOUT_MS = parseDuration(DEFAULTS.runbook.stepTimeout) as number;
const OUTPUT_BYTES = DEFAULTS.runbook.outputBytes;
/** A step whose options set its own timeout (`wait: { timeout: 2m }`) gets this much more, so it says why itself. */
const OWN_TIMEOUT_GRACE_MS = 30_000;

/** What a run is: the runbook, its definition as loaded, and its parameters, already checked. */
export interface RunPlan {
  runbook: string;
  definition: RunbookDefinition;
  params: Record<string, ParamValue>;
}

/** Something that happened in a run, as a terminal or an event stream shows it live. */
export type RunEvent =
  | {
      type: 'step';
      position: number;
      name: string;
      kind: string;
      outcome: string;
      detail: string;
      durationMs: number;
    }
  | {
      type: 'waiting';
      position: number;
      name: string;
      message: string;
      approvers?: readonly string[];
      deadline: number;
    }
  | { type: 'approved'; name: string; by: string }
  | { type: 'end'; status: 'succeeded' | 'failed' | 'cancelled'; detail: string };

export interface EngineEnv {
  runs: Runs;
  clock: Clock;
  baseDir: string;
  /** The ports each step acts through; handed the step's evidence scope. */
  ports: (scope: Pick<StepScope, 'evidence'>) => Ports;
  /** Aborts the run (the node stops, a terminal's Ctrl-C): it ends failed, saying why. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** How often the run's record is read for a cancel or an approval (ms). */
  pollMs?: number;
  /** The step kinds the plan's steps name: the registry's, unless a feature runs its own (a deploy's phases). */
  kinds?: Readonly<Record<string, StepKindDefinition>>;
}

/** A process group a step started, as the run's record keeps it while it runs. */
export interface RunningGroup {
  pid: number;
  /** Its start time (/proc), so a pid reused later is never taken for it. */
  started: string | null;
  host: string;
}

/** How a run ended. */
export interface RunEnd {
  status: 'succeeded' | 'failed' | 'cancelled';
  detail: string;
}

/** What earlier steps left, as `when:` reads it: `steps.<name>.outcome`, `.detail`, `.result`. */
type StepsSoFar = Record<string, { outcome: string; detail: string; result: unknown }>;

class Cancelled extends Error {}

/**
 * Runs a runbook's steps in order on an open run, recording each as it ends: `when:` first, then the
 * step under its own timeout (in the server's hands: the signal kills its process group), with its
 * retries. A failed step fails the run unless `continue_on_error`; the `on_failure` steps then run. An
 * `approve` step pauses the run (`waiting`) until it is approved, cancelled or its time runs out. A
 * cancel (another process finishing the run as `cancelled`) aborts the step running now. Every run
 * ends recorded, whatever happens.
 */
export async function executeRun(recorder: RunRecorder, plan: RunPlan, env: EngineEnv): Promise<RunEnd> {
  const { runs, clock } = env;
  const runId = recorder.runId;
  const run = new AbortController();
  const onOuterAbort = () => run.abort(env.signal?.reason);
  env.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (env.signal?.aborted) onOuterAbort();
  const timeoutMs = plan.definition.timeout;
  const deadline = setTimeout(
    () => run.abort(new Error(`the run passed its timeout of ${formatDuration(timeoutMs)}`)),
    timeoutMs,
  );
  // A cancel stops everything, the on_failure steps too; a timeout or a stop (`run`) stops the steps,
  // and the on_failure steps still run, each under its own timeout, to clean up.
  const cancel = new AbortController();
  const cancelWith = (summary: unknown) => {
    const reason = new Cancelled(cancelReason(summary));
    if (!cancel.signal.aborted) cancel.abort(reason);
    run.abort(reason);
  };
  // A cancel is another process finishing the run: read the record now and then, and stop at once.
  const watcher = setInterval(() => {
    void runs.state(runId).then(
      (state) => {
        if (state?.status === 'cancelled' && !cancel.signal.aborted) cancelWith(state.summary);
      },
      () => {},
    );
  }, env.pollMs ?? 250);
  const emit = (event: RunEvent) => env.onEvent?.(event);
  let position = 0;
  const done: StepsSoFar = {};
  const summary = { params: plan.params };
  try {
    const failure = await runSteps(plan.definition.steps, 'steps');
    if (cancel.signal.aborted) return end({ status: 'cancelled', detail: reasonOf(cancel.signal) });
    if (!failure) {
      await recorder.finish('succeeded', { ...summary, steps: position });
      return end({ status: 'succeeded', detail: `${plan.runbook}: ${position} steps done` });
    }
    // The failure's steps run even when the run was stopped (a timeout): they are how it cleans up.
    if (plan.definition.on_failure.length > 0) await runSteps(plan.definition.on_failure, 'on_failure', true);
    if (cancel.signal.aborted) return end({ status: 'cancelled', detail: reasonOf(cancel.signal) });
    await recorder.finish('failed', { ...summary, failedStep: failure.name, error: failure.detail });
    return end({ status: 'failed', detail: `${failure.name}: ${failure.detail}` });
  } catch (error) {
    // Anything the steps did not catch (the store gone) still closes the run, unless a cancel closed it.
    await recorder.fail(error).catch(() => false);
    return end({ status: 'failed', detail: describeError(error).error });
  } finally {
    clearTimeout(deadline);
    clearInterval(watcher);
    env.signal?.removeEventListener('abort', onOuterAbort);
  }

  function end(result: RunEnd): RunEnd {
    emit({ type: 'end', ...result });
    return result;
  }

  /** Runs a list of steps; returns the step that failed the run, if one did. */
  async function runSteps(
    steps: readonly RunbookStep[],
    list: 'steps' | 'on_failure',
    cleanup = false,
  ): Promise<{ name: string; detail: string } | undefined> {
    const names = stepNames(steps);
    let failure: { name: string; detail: string } | undefined;
    for (const [i, step] of steps.entries()) {
      const name = list === 'on_failure' ? `on_failure.${names[i]}` : (names[i] as string);
      const key = names[i] as string;
      // A cancel stops everything; a timeout or a stop stops the steps, not the cleanup after them.
      if (cancel.signal.aborted || (!cleanup && run.signal.aborted)) {
        if (!failure && !cancel.signal.aborted)
          failure = { name, detail: describeError(run.signal.reason).error };
        break;
      }
      const startedAt = clock.now();
      position++;
      if (step.when && !evaluateCondition(step.when, { run: { params: plan.params, steps: done } }).ok) {
        await record(position, name, step.kind, 'skipped', startedAt, {
          detail: `skipped: ${step.when.source} does not hold`,
        });
        done[key] = { outcome: 'skipped', detail: 'skipped', result: null };
        continue;
      }
      const kinds: Readonly<Record<string, StepKindDefinition>> = env.kinds ?? stepKinds;
      const definition = kinds[step.kind] as StepKindDefinition;
      const outcome = definition.pause
        ? await pause(definition, step, name, position)
        : await attempt(definition, step, position, cleanup ? cancel.signal : run.signal);
      const label = outcome.skipped
        ? 'skipped'
        : outcome.ok
          ? 'pass'
          : cancel.signal.aborted
            ? 'cancelled'
            : 'fail';
      await record(position, name, step.kind, label, startedAt, outcome);
      done[key] = { outcome: label, detail: outcome.detail, result: outcome.result ?? null };
      if (!outcome.ok && !step.continue_on_error && !failure) {
        failure = { name, detail: outcome.detail };
        if (!cleanup) break;
      }
    }
    return failure;
  }

  async function record(
    at: number,
    name: string,
    kind: string,
    outcome: string,
    startedAt: number,
    result: StepOutcome | { detail: string },
  ): Promise<void> {
    const { output, outputBytes, ...rest } = result as StepOutcome;
    // The end of the output is kept, cut on a character boundary, with the size of all of it.
    const cut = output === undefined ? undefined : boundContent(output, OUTPUT_BYTES, 'end');
    const kept = cut && { text: cut.content, bytes: Math.max(outputBytes ?? 0, cut.size) };
    await recorder.record({
      position: at,
      name,
      kind,
      outcome,
      startedAt,
      result: kept ? { ...rest, output: kept.text, outputBytes: kept.bytes } : rest,
    });
    emit({
      type: 'step',
      position: at,
      name,
      kind,
      outcome,
      detail: result.detail,
      durationMs: clock.now() - startedAt,
    });
  }

  /** One step with its retries, each try under the step's timeout. */
  async function attempt(
    definition: StepKindDefinition,
    step: RunbookStep,
    at: number,
    base: AbortSignal,
  ): Promise<StepOutcome> {
    if (!definition.run)
      return { ok: false, detail: `${step.kind} steps cannot run yet: they arrive with their own feature` };
    const options = fillParams(step.options, plan.params);
    const own = definition.timeoutOf?.(options);
    const stepTimeout = step.timeout ?? (own === undefined ? STEP_TIMEOUT_MS : own + OWN_TIMEOUT_GRACE_MS);
    const scope: Pick<StepScope, 'evidence'> = {
      evidence: (item) => recorder.evidence({ ...item, step: at }),
    };
    let outcome: StepOutcome = { ok: false, detail: 'not run' };
    let attempts = 0;
    for (let n = 0; n <= step.retries; n++) {
      if (n > 0) {
        try {
          await sleepFor(step.retry_delay, undefined, { signal: base });
        } catch {
          break;
        }
      }
      attempts++;
      outcome = await once(definition, options, stepTimeout, scope, base);
      if (outcome.ok || base.aborted) break;
    }
    if (step.retries === 0) return outcome;
    return {
      ...outcome,
      detail: `${outcome.detail} (attempt ${attempts} of ${step.retries + 1})`,
      result: { ...(outcome.result as object), attempts },
    };
  }

  /** One try of a step under its timeout; a throw is a failed outcome saying why. */
  async function once(
    definition: StepKindDefinition,
    options: unknown,
    stepTimeout: number,
    scope: Pick<StepScope, 'evidence'>,
    base: AbortSignal,
  ): Promise<StepOutcome> {
    const timer = new AbortController();
    const timeout = setTimeout(
      () => timer.abort(new Error(`the step passed its timeout of ${formatDuration(stepTimeout)}`)),
      stepTimeout,
    );
    const signal = AbortSignal.any([base, timer.signal]);
    // The step's process groups, kept in the run's record while they run (see `Runbooks.settleOrphans`).
    const groups: RunningGroup[] = [];
    let noted = Promise.resolve();
    const note = () => {
      noted = noted
        .then(() => runs.noteRunning(runId, { ...summary, groups }))
        .then(
          () => {},
          () => {},
        );
    };
    const ctx: StepContext = {
      runId,
      params: plan.params,
      signal,
      timeoutMs: stepTimeout,
      baseDir: env.baseDir,
      evidence: async (item) => {
        await scope.evidence(item);
      },
      sleep: (ms) => sleepFor(ms, undefined, { signal }),
      processStarted: (pid) => {
        groups.push({ pid, started: startTimeOf(pid), host: currentHolder().host });
        note();
      },
      ...env.ports(scope),
    };
    try {
      const work = (definition.run as NonNullable<StepKindDefinition['run']>)(options, ctx);
      // A step that does not stop at its signal is left behind (its programs are killed by the signal).
      work.catch(() => {});
      const outcome = await Promise.race([work, rejectOnAbort(signal)]);
      if (signal.aborted && outcome.ok === false)
        return { ...outcome, detail: `${outcome.detail} (${reasonOf(signal)})` };
      return outcome;
    } catch (error) {
      return { ok: false, detail: signal.aborted ? reasonOf(signal) : describeError(error).error };
    } finally {
      clearTimeout(timeout);
      if (groups.length > 0) {
        groups.length = 0;
        note();
        await noted;
      }
    }
  }

  /** An approval: the run waits, polled, until someone approves it, a cancel, or its time runs out. */
  async function pause(
    definition: StepKindDefinition,
    step: RunbookStep,
    name: string,
    at: number,
  ): Promise<StepOutcome> {
    const asked = (definition.pause as NonNullable<StepKindDefinition['pause']>)(
      fillParams(step.options, plan.params),
    );
    if ('skipped' in asked) return { ok: true, skipped: true, detail: asked.skipped };
    const waitMs = step.timeout ?? asked.timeoutMs;
    const until = clock.now() + waitMs;
    const waitingFor = {
      step: name,
      position: at,
      message: asked.message,
      approvers: asked.approvers ?? null,
      deadline: until,
    };
    await recorder.wait({ ...summary, waitingFor });
    emit({
      type: 'waiting',
      position: at,
      name,
      message: asked.message,
      approvers: asked.approvers,
      deadline: until,
    });
    for (;;) {
      const state = await runs.state(runId);
      if (!state || state.status === 'cancelled') {
        cancelWith(state?.summary);
        return { ok: false, detail: 'cancelled while waiting for approval' };
      }
      if (state.status === 'running') {
        const approval = (state.summary as { approvedBy?: string; approvedAt?: number } | null) ?? {};
        const by = approval.approvedBy ?? 'unknown';
        emit({ type: 'approved', name, by });
        return {
          ok: true,
          detail: `approved by ${by}`,
          result: { approvedBy: by, approvedAt: approval.approvedAt ?? clock.now() },
        };
      }
      if (state.status !== 'waiting')
        return { ok: false, detail: `the run became ${state.status} while waiting` };
      const late = clock.now() >= until;
      if (late || run.signal.aborted) {
        // Back to running, so the failure and the on_failure steps are recorded as any other.
        await runs.resume(runId, undefined).catch(() => undefined);
        return {
          ok: false,
          detail: late
            ? `no approval within ${formatDuration(waitMs)}`
            : `stopped while waiting for approval: ${reasonOf(run.signal)}`,
        };
      }
      try {
        await sleepFor(Math.min(env.pollMs ?? 250, Math.max(1, until - clock.now())), undefined, {
          signal: run.signal,
        });
      } catch {
        // The run was stopped; the next pass says so.
      }
    }
  }
}

function cancelReason(summary: unknown): string {
  const s = (summary ?? {}) as { cancelledBy?: string; reason?: string };
  return `cancelled${s.cancelledBy ? ` by ${s.cancelledBy}` : ''}${s.reason ? `: ${s.reason}` : ''}`;
}

function reasonOf(signal: AbortSignal): string {
  const reason = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'stopped');
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
