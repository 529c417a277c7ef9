import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import type { DeployDefinition } from '../config/sections/deploys.js';
import type { RunbookDefinition, RunbookStep } from '../config/sections/runbooks.js';
import { parseDuration } from '../schema/duration.js';
import type { StepContext, StepKindDefinition, StepOutcome } from '../steps/types.js';

export type { DeployDefinition };

/** What to deploy: an image (compose, docker) or a git ref (a service by `repo:`), or a rollback. */
export interface DeployRequest {
  service: string;
  action: 'deploy' | 'rollback';
  /** For a deploy by image: a tag or a digest (`repo:tag`, `repo@sha256:…`, or a tag alone with `image:`). */
  image?: string;
  /** For a deploy by ref: a tag, branch or commit of the deploy's `repo:`. */
  ref?: string;
  /** For a rollback: the release to go back to (`12`, a digest or commit prefix); the last known-good without. */
  to?: string;
  /** Who asked: a user or a token. */
  by: string;
}

/** One phase of a deploy: what it is called in the run, and what it does. */
export interface Phase {
  name: string;
  description: string;
  run(ctx: StepContext): Promise<StepOutcome>;
  /** The longest it may take (a verify waits `healthy_within`, then runs the smoke suite). */
  timeoutMs?: number;
}

/** A phase that waits for a person: asked only when `ask` says there is something to approve. */
export interface ApprovalPhase {
  name: string;
  description: string;
  ask(): { message: string; approvers?: readonly string[]; timeoutMs: number } | { skipped: string };
}

const STEP_TIMEOUT_MS = parseDuration(DEFAULTS.runbook.stepTimeout) as number;

/**
 * A deploy as the runbook engine carries it out: its phases become steps of kinds only this run
 * knows, so a deploy gets what every run has (each step recorded with its evidence, approvals,
 * cancel, the run's timeout, and `on_failure` for the rollback) without being a runbook anyone wrote.
 */
export function deployPlan(
  label: string,
  phases: readonly (Phase | ApprovalPhase)[],
  onFailure: readonly (Phase | ApprovalPhase)[],
  timeoutMs: number,
): { definition: RunbookDefinition; kinds: Record<string, StepKindDefinition> } {
  const kinds: Record<string, StepKindDefinition> = {};
  const stepOf = (phase: Phase | ApprovalPhase): RunbookStep => {
    const kind = `deploy.${phase.name}`;
    kinds[kind] =
      'ask' in phase
        ? {
            kind,
            description: phase.description,
            options: z.unknown(),
            references: () => [],
            pause: () => phase.ask(),
          }
        : {
            kind,
            description: phase.description,
            options: z.unknown(),
            references: () => [],
            run: (_options, ctx) => phase.run(ctx),
            timeoutOf: () => phase.timeoutMs ?? STEP_TIMEOUT_MS,
          };
    return {
      kind,
      options: null,
      name: phase.name,
      continue_on_error: false,
      retries: 0,
      retry_delay: 0,
    } as unknown as RunbookStep;
  };
  const definition = {
    description: label,
    params: {},
    steps: phases.map(stepOf),
    on_failure: onFailure.map(stepOf),
    concurrency: 1,
    timeout: timeoutMs,
  } as unknown as RunbookDefinition;
  return { definition, kinds };
}

/**
 * The reference a deploy pulls: `--image` as given when it names a repository, or the deploy's
 * `image:` repository with `--image` as its tag or digest (`v2`, `sha256:…`).
 */
export function imageReference(given: string, definition: DeployDefinition): string {
  if (!definition.image) return given;
  if (given === '') return definition.image;
  if (given.startsWith('sha256:')) return `${definition.image.replace(/[:@].*$/, '')}@${given}`;
  if (!given.includes('/') && !given.includes(':') && !given.includes('@'))
    return `${definition.image.replace(/:[^/:]*$/, '')}:${given}`;
  return given;
}
