import type { StackConfig } from '../config/schema.js';
import type { ActionOptions, ApplyResult } from '../drivers/types.js';
import type { Runs } from '../runs/runs.js';
import type { StepContext } from '../steps/types.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { RefStepResult } from './git-ref.js';
import type { DeployDefinition, DeployRequest } from './plan.js';
import type { Release } from './release.js';
import type { Releases } from './releases.js';

/*
 * What the phases of one deploy run share: where the deploy goes (its target), the run's state as the
 * phases leave it, and the bounds a phase hands on to what it calls.
 */

/** What a deploy applied: the driver's words for it, and how the old made way for the new (a deploy by
 * ref has no output of its own: its steps are evidence). */
export type Applied = Omit<ApplyResult, 'output'> & { output?: string };

/** Where a deploy goes: the images of a container driver, or a git work tree and its steps. */
export interface Target {
  kind: 'image' | 'ref';
  /** What runs now: a repository digest or a commit. */
  running(options: ActionOptions): Promise<{ target?: string; detail: string }>;
  /** The digest or commit a reference names now (an image is pulled). */
  pin(what: string, options: ActionOptions): Promise<string>;
  apply(
    target: string,
    requested: string,
    options: ActionOptions,
    onStep?: (step: RefStepResult) => Promise<void>,
  ): Promise<Applied>;
  sideBySide(options: ActionOptions): Promise<{ possible: boolean; why: string }>;
  /** Removes this repository's images but `keep` (image retention). */
  prune?(repository: string, keep: readonly string[], options: ActionOptions): Promise<{ removed: string[] }>;
}

/** One deploy run's state, shared by its phases. */
export interface DeployState {
  readonly request: DeployRequest;
  readonly definition: DeployDefinition;
  readonly runId: number;
  readonly target: Target;
  readonly releases: Releases;
  readonly runs: Runs;
  readonly clock: Clock;
  readonly config: StackConfig;
  readonly configPath: string;
  readonly baseDir: string;
  readonly store: Store;
  /** The release this run records (the deploy's, or the rollback's for `dayshift rollback`). */
  release?: Release;
  /** Whether the service was changed: apply started. */
  applied: boolean;
  /** The backup snapshot bound to a `migrates: true` release by its backup gate. */
  backup?: { backup: string; snapshot: string };
  /** The release whose pre-deploy backup `backup` is (the deploy's own, or one a rollback goes back past). */
  backupOf?: number;
  /** The first phase that failed, and why. */
  failure?: { phase: string; detail: string; at: number };
  /** The automatic rollback's release, once applied. */
  rollback?: Release;
}

/** How long a deploy waits for an operator's approval (a gate, a restore) before it fails. */
export const APPROVAL_MS = 3_600_000;

/** The bounds of a phase, as a driver or git takes them: the step's timeout and signal. */
export function bounded(ctx: StepContext): ActionOptions {
  return { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
}
