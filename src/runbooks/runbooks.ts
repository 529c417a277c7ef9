import type { StackConfig } from '../config/schema.js';
import type { RunbookDefinition } from '../config/sections/runbooks.js';
import { DayshiftError } from '../errors.js';
import { killGroup } from '../process/kill-group.js';
import { currentHolder, holderGone, startTimeOf } from '../runs/holder.js';
import { RunRecorder } from '../runs/recorder.js';
import { Runs } from '../runs/runs.js';
import { didYouMean } from '../schema/did-you-mean.js';
import type { DeploysPort } from '../steps/types.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { ownValue } from '../util/own.js';
import { type EngineEnv, executeRun, type RunEnd, type RunningGroup, type RunPlan } from './engine.js';
import { resolveParams } from './params.js';
import { openPorts } from './ports.js';

/** The kind every runbook's run is recorded under; its name is the runbook's. */
export const RUNBOOK_RUN_KIND = 'runbook';

const HOUR_MS = 3_600_000;

export interface RunbooksEnv {
  config: StackConfig;
  configPath: string;
  baseDir: string;
  store: Store;
  clock: Clock;
  /** How `deploy` and `rollback` steps deploy (the deploys feature, or the CLI, gives it). */
  deploys?: DeploysPort;
}

/** What waits on an approval, as the run's summary keeps it while it is `waiting`. */
export interface WaitingFor {
  step: string;
  position: number;
  message: string;
  approvers: string[] | null;
  deadline: number;
}

/**
 * The runbooks of one stack file: opening a run (its parameters checked, its concurrency and hourly
 * limit held across every process sharing the store), carrying it out, approving and cancelling it,
 * and closing the runs whose process died.
 */
export class Runbooks {
  readonly env: RunbooksEnv;
  readonly runs: Runs;

  constructor(env: RunbooksEnv) {
    this.env = env;
    this.runs = new Runs(env.store.db, env.clock);
  }

  names(): string[] {
    return Object.keys(this.env.config.runbooks);
  }

  definition(name: string): RunbookDefinition {
    const found = ownValue(this.env.config.runbooks, name);
    if (found) return found;
    const names = this.names();
    throw new DayshiftError('RUNBOOK_NOT_FOUND', `no runbook \`${name}\` in the stack file`, {
      hint:
        names.length === 0
          ? 'the stack file defines no runbooks: add one under runbooks:'
          : (didYouMean(name, names) ?? `runbooks: ${names.join(', ')}`),
    });
  }

  /** The backups a runbook's steps restore over the live data (a `restore` step without `to`). */
  restoresOverLiveData(name: string): string[] {
    const definition = this.definition(name);
    return [...definition.steps, ...definition.on_failure]
      .filter((step) => step.kind === 'restore')
      .map((step) => step.options as string | { backup: string; to?: string })
      .filter((o) => typeof o === 'string' || o.to === undefined)
      .map((o) => (typeof o === 'string' ? o : o.backup));
  }

  /**
   * Opens a run of a runbook, held by this process: parameters checked first (PARAM_INVALID), then,
   * in one exclusive transaction, its concurrency (RUNBOOK_BUSY, naming the runs going) and its
   * `max_runs` in the last hour (RUNBOOK_RATE_LIMITED). Runs of this runbook whose process died are
   * closed first, so a crash never blocks it for good.
   */
  async open(
    name: string,
    given: Readonly<Record<string, unknown>>,
    trigger: string,
  ): Promise<{ recorder: RunRecorder; plan: RunPlan }> {
    const definition = this.definition(name);
    const params = resolveParams(name, definition.params, given);
    await this.settleOrphans(name);
    const { store, clock } = this.env;
    const runId = await store.caps.exclusive(store.db, async (trx) => {
      const runs = new Runs(trx, clock);
      const going = await runs.unfinished(RUNBOOK_RUN_KIND, name);
      if (going.length >= definition.concurrency)
        throw new DayshiftError(
          'RUNBOOK_BUSY',
          `runbook ${name} is already running: run ${going.map((r) => `${r.id} (${r.status})`).join(', ')}`,
          {
            hint: `follow it with \`dayshift run show ${going[0]?.id} --follow\`, cancel it with \`dayshift run cancel ${going[0]?.id}\`, or set concurrency: on the runbook`,
          },
        );
      if (definition.max_runs !== undefined) {
        const started = await runs.startedSince(RUNBOOK_RUN_KIND, name, clock.now() - HOUR_MS);
        if (started >= definition.max_runs)
          throw new DayshiftError(
            'RUNBOOK_RATE_LIMITED',
            `runbook ${name} has started ${started} runs in the last hour, its max_runs`,
            {
              hint: 'a remediation that keeps running is not fixing the cause: look at its runs (dayshift runs), or raise max_runs',
            },
          );
      }
      return runs.start(RUNBOOK_RUN_KIND, name, trigger);
    });
    return {
      recorder: RunRecorder.attach(this.runs, clock, runId, 0),
      plan: { runbook: name, definition, params },
    };
  }

  /** Carries out an open run to its end in this process. */
  execute(
    recorder: RunRecorder,
    plan: RunPlan,
    options: Pick<EngineEnv, 'signal' | 'onEvent' | 'pollMs'> = {},
  ): Promise<RunEnd> {
    const { config, configPath, baseDir, store, clock, deploys } = this.env;
    const ports = openPorts(
      { config, configPath, baseDir, db: store.db, runs: this.runs, clock, deploys },
      recorder.runId,
    );
    return executeRun(recorder, plan, { runs: this.runs, clock, baseDir, ports, ...options });
  }

  /**
   * Approves a waiting run: the process waiting on it goes on. Refused when the run is not waiting
   * (RUN_STATE_CONFLICT), when its approval's time has passed, or when the step names its approvers
   * and `by` is not one (APPROVER_NOT_ALLOWED).
   */
  async approve(runId: number, by: string): Promise<WaitingFor> {
    const run = await this.#runbookRun(runId);
    const waiting = (run.summary as { waitingFor?: WaitingFor } | null)?.waitingFor;
    if (run.status !== 'waiting' || !waiting)
      throw new DayshiftError(
        'RUN_STATE_CONFLICT',
        `run ${runId} is ${run.status}, not waiting for an approval`,
        {
          hint:
            run.status === 'running'
              ? 'it has not reached an approve step yet'
              : 'only a waiting run can be approved',
        },
      );
    if (this.env.clock.now() >= waiting.deadline)
      throw new DayshiftError('RUN_STATE_CONFLICT', `run ${runId}'s approval timed out; it is failing`, {
        hint: `start a new run: dayshift run ${run.name}`,
      });
    if (waiting.approvers && !waiting.approvers.includes(by))
      throw new DayshiftError(
        'APPROVER_NOT_ALLOWED',
        `${by} may not approve step ${waiting.step} of run ${runId}`,
        {
          hint: `its approvers: ${waiting.approvers.join(', ')}`,
        },
      );
    await this.runs.approve(runId, {
      params: (run.summary as { params?: unknown } | null)?.params,
      approvedBy: by,
      approvedAt: this.env.clock.now(),
      step: waiting.step,
    });
    return waiting;
  }

  /**
   * Cancels a running or waiting run: it is recorded as cancelled now, and the process carrying it
   * out stops the step running (its process group killed) within a moment.
   */
  async cancel(runId: number, by: string, reason?: string): Promise<void> {
    const run = await this.#runbookRun(runId);
    await this.runs.finish(runId, 'cancelled', {
      params: (run.summary as { params?: unknown } | null)?.params,
      cancelledBy: by,
      ...(reason ? { reason } : {}),
    });
  }

  /**
   * Closes the runbook runs (of `name`, or all) whose holding process is gone: it ran on this host and
   * its pid is no longer that process. Runs held on other hosts are left to their job's `ended`.
   */
  async settleOrphans(name?: string): Promise<number[]> {
    const going = await this.runs.running({ kinds: [RUNBOOK_RUN_KIND], name, waiting: true });
    const settled: number[] = [];
    for (const run of going) {
      if (!run.holder || !holderGone(run.holder)) continue;
      const why = `the process running this runbook (pid ${run.holder.pid} on ${run.holder.host}) stopped before it finished`;
      if (await this.interrupt(run.id, why)) settled.push(run.id);
    }
    return settled;
  }

  /**
   * Closes a run whose process died (found by the sweep, or by its job's lease running out) as failed,
   * `interrupted: <why>`, after killing the process groups its step left running on this host.
   * Returns whether it was still open.
   */
  async interrupt(runId: number, why: string): Promise<boolean> {
    const state = await this.runs.state(runId);
    if (!state || (state.status !== 'running' && state.status !== 'waiting')) return false;
    const killed = killLeftGroups(state.summary);
    const left =
      killed.length > 0 ? `; the processes its step left (group ${killed.join(', ')}) were killed` : '';
    return this.runs.interrupt(runId, `interrupted: ${why}${left}`, { waiting: true });
  }

  async #runbookRun(runId: number) {
    const run = await this.runs.get(runId);
    if (!run || run.kind !== RUNBOOK_RUN_KIND)
      throw new DayshiftError('NOT_FOUND', `there is no runbook run ${runId}`, {
        hint: 'list runs with `dayshift runs`',
      });
    return run;
  }
}

/**
 * Kills the process groups a dead process's step left running (its summary lists them while a step
 * runs), when they are on this host. A group whose leader's pid now belongs to a process started at
 * another time is left alone; a leader that is gone leaves its group id unusable by any new group while
 * a member lives, so its members are still the step's. Returns the groups signalled.
 */
function killLeftGroups(summary: unknown): number[] {
  const groups = (summary as { groups?: RunningGroup[] } | null)?.groups ?? [];
  const here = currentHolder().host;
  const killed: number[] = [];
  for (const group of groups) {
    const now = startTimeOf(group.pid);
    if (group.host !== here || (now !== null && now !== group.started)) continue;
    killGroup(group.pid, 'SIGKILL');
    killed.push(group.pid);
  }
  return killed;
}
