import type { StackConfig } from '../config/schema.js';
import { repositoryOf } from '../drivers/shared/image-digest.js';
import type { ActionOptions } from '../drivers/types.js';
import { checkEnv, chooseSource } from '../env-contract/check-env.js';
import { DayshiftError } from '../errors.js';
import { Runbooks } from '../runbooks/runbooks.js';
import type { Runs } from '../runs/runs.js';
import { describeError } from '../runs/scrubbed.js';
import { formatDuration } from '../schema/duration.js';
import type { StepContext, StepOutcome } from '../steps/types.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import {
  type ApprovalPhase,
  type DeployDefinition,
  type DeployRequest,
  imageReference,
  type Phase,
} from './plan.js';
import { type Release, shortTarget } from './release.js';
import type { Releases } from './releases.js';

/** What a deploy step of a deploy by ref ran, as it is told to the caller. */
export interface RefStep {
  name: string;
  ok: boolean;
  detail: string;
  output: string;
  durationMs: number;
}

/** What a deploy applied: in words, and how the old made way for the new. */
export interface Applied {
  detail: string;
  output?: string;
  sideBySide: boolean;
  downtimeMs?: number;
  file?: string;
}

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
    onStep?: (step: RefStep) => Promise<void>,
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
  /** The release live before this run. */
  previous?: Release;
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

/**
 * How often verify asks whether the service is healthy yet: each ask is an Engine list and inspect
 * (no program spawned) and, once the healthcheck passes, the service's checks. Quickly at first, so a
 * service healthy in a second is seen within 100 ms of it rather than half a second; then every 500 ms,
 * so a service slow to start is not asked ten times a second for minutes.
 */
const POLL_MS = { first: 100, later: 500, quickForMs: 10_000 } as const;
const APPROVAL_MS = 3_600_000;

/** The phases of a deploy or a rollback run, and what runs when one fails. */
export function deployPhases(state: DeployState): {
  steps: Array<Phase | ApprovalPhase>;
  onFailure: Array<Phase | ApprovalPhase>;
} {
  const { request, definition } = state;
  const service = request.service;
  const watched = (phase: Phase): Phase => ({
    ...phase,
    async run(ctx) {
      try {
        const outcome = await phase.run(ctx);
        if (!outcome.ok)
          state.failure ??= { phase: phase.name, detail: outcome.detail, at: state.clock.now() };
        return outcome;
      } catch (error) {
        state.failure ??= { phase: phase.name, detail: describeError(error).error, at: state.clock.now() };
        throw error;
      }
    },
  });
  const verifyTimeout = definition.verify.healthy_within + 10 * 60_000;
  const apply: Phase = {
    name: 'apply',
    description: 'run the service at the pinned release',
    timeoutMs: 15 * 60_000,
    run: async (ctx) => {
      const release = state.release as Release;
      state.applied = true;
      const applied = await state.target.apply(
        release.target,
        release.requested,
        bounded(ctx),
        async (step) => {
          await ctx.evidence({ name: `deploy step ${step.name}`, kind: 'output', content: step.output });
        },
      );
      await state.releases.applied(release.id);
      await state.releases.note(release.id, { apply: summaryOf(applied) });
      return {
        ok: true,
        detail: applied.detail,
        output: applied.output,
        result: summaryOf(applied),
      };
    },
  };
  const verify = (name: string, of: () => Release | undefined): Phase => ({
    name,
    description: 'the service healthy within healthy_within, then its smoke suite',
    timeoutMs: verifyTimeout,
    run: async (ctx) => {
      const release = of();
      if (!release) return { ok: true, skipped: true, detail: 'nothing was applied' };
      const outcome = await verifyService(state, ctx, release);
      await state.releases.note(release.id, { verify: outcome.detail });
      return outcome;
    },
  });
  const settleGood = (name: string, of: () => Release | undefined): Phase => ({
    name,
    description: 'record the release as known-good, and keep the images of the last known-good ones',
    run: async (ctx) => {
      const release = of() as Release;
      await state.releases.settle(release.id, 'verified');
      const pruned = await pruneImages(state, ctx, release).catch(
        (error: unknown) => `images not pruned: ${describeError(error).error}`,
      );
      return {
        ok: true,
        detail: `release ${release.id} (${shortTarget(release.target)}) is known-good${pruned ? `; ${pruned}` : ''}`,
        result: { release: release.id, target: release.target },
      };
    },
  });
  const settleFailed: Phase = {
    name: 'settle',
    description: 'record the failed release and what failed',
    run: async () => {
      const release = state.release;
      if (!release) return { ok: true, skipped: true, detail: 'no release was begun' };
      const failure = state.failure ?? { phase: 'unknown', detail: 'the run stopped', at: state.clock.now() };
      await state.releases.settle(release.id, 'failed', {
        failure: `${failure.phase}: ${failure.detail}`,
        failedPhase: failure.phase,
      });
      const manual =
        request.action === 'deploy' && definition.rollback === 'manual' && state.applied
          ? `; rollback is manual: \`dayshift rollback ${service}\``
          : '';
      return {
        ok: true,
        detail: `release ${release.id} (${shortTarget(release.target)}) failed at ${failure.phase}${manual}`,
        result: { release: release.id, target: release.target, failedPhase: failure.phase },
      };
    },
  };

  if (request.action === 'rollback') {
    const choose: Phase = {
      name: 'choose',
      description: 'choose the release to go back to',
      run: async () => {
        const live = await state.releases.live(service);
        const chosen = request.to
          ? await state.releases.find(service, request.to)
          : await rollbackTarget(state, live?.target);
        if (!chosen)
          return {
            ok: false,
            detail: `${service} has no known-good release to roll back to${live ? ` other than the live one (${shortTarget(live.target)})` : ''}`,
          };
        state.previous = live;
        await offerRestorePast(state, chosen);
        state.release = await state.releases.begin({
          service,
          kind: chosen.kind,
          target: chosen.target,
          requested: chosen.requested,
          action: 'rollback',
          runId: state.runId,
          by: request.by,
          previousId: live?.id ?? null,
        });
        return {
          ok: true,
          detail: `back to release ${chosen.id}: ${shortTarget(chosen.target)} (${chosen.requested})`,
          result: { release: state.release.id, to: chosen.id, target: chosen.target },
        };
      },
    };
    return {
      steps: [
        choose,
        sideBySidePhase(state),
        apply,
        verify('verify', () => state.release),
        settleGood('release', () => state.release),
        ...restorePhases(state, ''),
      ].map((p) => ('ask' in p ? p : watched(p))),
      onFailure: [settleFailed],
    };
  }

  const pin: Phase = {
    name: 'pin',
    description: 'resolve the reference to what cannot move (an image digest, a commit), pulling it',
    timeoutMs: 15 * 60_000,
    run: async (ctx) => {
      const requested =
        state.target.kind === 'image' ? imageReference(request.image ?? '', definition) : (request.ref ?? '');
      const target = await state.target.pin(requested, bounded(ctx));
      state.previous = (await state.releases.live(service)) ?? (await adoptRunning(state, ctx, target));
      state.release = await state.releases.begin({
        service,
        kind: state.target.kind,
        target,
        requested,
        action: 'deploy',
        runId: state.runId,
        by: request.by,
        previousId: state.previous?.id ?? null,
      });
      const was = state.previous
        ? `; live now: release ${state.previous.id} (${shortTarget(state.previous.target)})`
        : '';
      return {
        ok: true,
        detail: `${requested} is ${target}${was}`,
        result: { release: state.release.id, target, requested },
      };
    },
  };
  const onFailure: Array<Phase | ApprovalPhase> = [settleFailed];
  if (definition.rollback === 'auto') {
    onFailure.push(
      rollbackPhase(state),
      verify('verify-rollback', () => state.rollback),
      {
        name: 'settle-rollback',
        description: 'record the release rolled back to as known-good again',
        run: async () => {
          const back = state.rollback;
          if (!back) return { ok: true, skipped: true, detail: 'nothing was rolled back' };
          await state.releases.settle(back.id, 'verified', {
            recoveredInMs: state.clock.now() - (state.failure?.at ?? state.clock.now()),
          });
          return {
            ok: true,
            detail: `release ${back.id} (${shortTarget(back.target)}) is live and healthy again`,
          };
        },
      },
    );
    if (definition.migrates) onFailure.push(...restorePhases(state, 'on_failure.'));
  }
  return {
    steps: [
      pin,
      ...gatePhases(state),
      sideBySidePhase(state),
      apply,
      verify('verify', () => state.release),
      settleGood('release', () => state.release),
    ].map((p) => ('ask' in p ? p : watched(p))),
    onFailure,
  };
}

/**
 * The first deploy of a service Dayshift never deployed: what it runs now (the digest of its
 * containers, the commit of its work tree) is recorded as a known-good release first, started by
 * hand before Dayshift, so a failed first deploy has something to roll back to. Not when it is what
 * the deploy pins.
 */
async function adoptRunning(
  state: DeployState,
  ctx: StepContext,
  deploying: string,
): Promise<Release | undefined> {
  const running = await state.target.running(bounded(ctx)).catch(() => undefined);
  // Deploying what already runs needs nothing to fall back on but itself.
  if (!running?.target || running.target === deploying) return undefined;
  const adopted = await state.releases.begin({
    service: state.request.service,
    kind: state.target.kind,
    target: running.target,
    requested: 'what ran before Dayshift deployed it',
    action: 'deploy',
    runId: state.runId,
    by: 'dayshift',
    previousId: null,
  });
  await state.releases.applied(adopted.id);
  return state.releases.settle(adopted.id, 'verified', { adopted: running.detail });
}

/** Says before anything stops whether the new containers start beside the old, or the deploy has downtime. */
function sideBySidePhase(state: DeployState): Phase {
  return {
    name: 'side-by-side',
    description: 'say whether the new release starts beside the old one, or with downtime',
    run: async (ctx) => {
      const { possible, why } = await state.target.sideBySide(bounded(ctx));
      return {
        ok: true,
        detail: possible
          ? `the new release starts beside the old one (${why})`
          : `this deploy causes downtime: the old release stops before the new one starts (${why})`,
        result: { sideBySide: possible, why },
      };
    },
  };
}

/** One phase per `before:` gate; a failed gate stops the deploy before anything changes. */
function gatePhases(state: DeployState): Array<Phase | ApprovalPhase> {
  const { definition, request } = state;
  const counts = new Map<string, number>();
  return definition.before.map((gate): Phase | ApprovalPhase => {
    const n = (counts.get(gate.kind) ?? 0) + 1;
    counts.set(gate.kind, n);
    const name = `gate-${gate.kind}${n > 1 ? `-${n}` : ''}`;
    const description = `gate: ${gate.kind}`;
    switch (gate.kind) {
      case 'approve':
        return {
          name,
          description,
          ask: () => ({ message: gate.options as string, timeoutMs: APPROVAL_MS }),
        };
      case 'env':
        return {
          name,
          description,
          run: async () => {
            const report = checkEnv(state.config, chooseSource(state.config, state.baseDir, {}));
            const failed = report.results.filter((r) => !r.ok);
            return failed.length === 0
              ? { ok: true, detail: `the environment contract holds (${report.results.length} rules)` }
              : {
                  ok: false,
                  detail: `the environment contract is broken: ${failed.map((r) => `${r.variable} ${r.reason ?? r.rule}`).join('; ')}`,
                };
          },
        };
      case 'backup':
        return { name, description, timeoutMs: 6 * 3_600_000, run: (ctx) => backupGate(state, ctx, gate) };
      case 'check':
        return {
          name,
          description,
          run: async (ctx) => {
            const verdicts = await ctx.checks.run([gate.options as string], ctx.signal);
            const failed = verdicts.filter((v) => v.outcome === 'fail');
            return failed.length === 0
              ? { ok: true, detail: `${verdicts.map((v) => v.id).join(', ')} healthy` }
              : { ok: false, detail: failed.map((v) => `${v.id}: ${v.reason}`).join('; ') };
          },
        };
      case 'smoke':
        return {
          name,
          description,
          run: async (ctx) => {
            const report = await ctx.smoke.run(gate.options as string, ctx.signal);
            return { ok: report.ok, detail: report.detail };
          },
        };
      case 'runbook':
        return {
          name,
          description,
          timeoutMs: 2 * 3_600_000,
          run: async (ctx) => {
            const runbooks = new Runbooks({
              config: state.config,
              configPath: state.configPath,
              baseDir: state.baseDir,
              store: state.store,
              clock: state.clock,
            });
            const { recorder, plan } = await runbooks.open(
              gate.options as string,
              {},
              `deploy:${state.runId}`,
            );
            const end = await runbooks.execute(recorder, plan, { signal: ctx.signal });
            return {
              ok: end.status === 'succeeded',
              detail: `runbook ${gate.options as string} ${end.status} (run ${recorder.runId}): ${end.detail}`,
            };
          },
        };
      default:
        throw new DayshiftError(
          'INTERNAL',
          `unknown deploy gate ${request.service}: ${(gate as { kind: string }).kind}`,
        );
    }
  });
}

/**
 * `{ backup: db }` takes a snapshot now; `{ backup: db, max_age: 1h }` is content with a good one that
 * young. With `migrates: true` the snapshot is bound to the release, for a rollback to restore.
 */
async function backupGate(
  state: DeployState,
  ctx: StepContext,
  gate: DeployDefinition['before'][number],
): Promise<StepOutcome> {
  const backup = gate.options as string;
  const maxAge = (gate as { max_age?: number }).max_age;
  let snapshot: string | undefined;
  let detail: string;
  if (maxAge !== undefined) {
    const good = await state.runs.latest('backup', backup, 'succeeded');
    const at = good?.finishedAt ?? good?.startedAt;
    const id = (good?.summary as { snapshot?: string } | null)?.snapshot;
    if (good && at !== undefined && id && state.clock.now() - at <= maxAge) {
      snapshot = id;
      detail = `snapshot ${id} of ${backup} is ${formatDuration(state.clock.now() - at)} old, within max_age ${formatDuration(maxAge)}`;
    } else detail = '';
  } else detail = '';
  if (!snapshot) {
    const taken = await ctx.backups.run(backup, ctx.signal);
    snapshot = taken.snapshot;
    detail = taken.detail;
  }
  if (state.definition.migrates && state.release) {
    state.backup = { backup, snapshot };
    await state.releases.bindBackup(state.release.id, state.backup);
    detail += `; bound to release ${state.release.id}, whose migrations change the schema`;
  }
  return { ok: true, detail, result: { backup, snapshot } };
}

/**
 * Where a rollback goes: the newest known-good release whose target is not `except`; without one,
 * the first digest of the deploy's `known_good:` list that is not `except`, recorded first as a
 * known-good release of its own (never applied by Dayshift, so never live until a rollback applies it).
 */
async function rollbackTarget(state: DeployState, except: string | undefined): Promise<Release | undefined> {
  const service = state.request.service;
  const recorded = await state.releases.lastKnownGood(service, { except });
  if (recorded || state.target.kind !== 'image') return recorded;
  for (const listed of state.definition.known_good ?? []) {
    const target = imageReference(listed, state.definition);
    if (target === except || !/^[^\s@]+@sha256:[0-9a-f]{64}$/.test(target)) continue;
    const declared = await state.releases.begin({
      service,
      kind: 'image',
      target,
      requested: 'known_good: in the stack file',
      action: 'deploy',
      runId: state.runId,
      by: 'dayshift',
      previousId: null,
    });
    return state.releases.settle(declared.id, 'verified', { declared: 'listed under known_good:' });
  }
  return undefined;
}

/** Back to the last known-good release, when the deploy changed the service. */
function rollbackPhase(state: DeployState): Phase {
  const service = state.request.service;
  return {
    name: 'rollback',
    description: 'go back to the last known-good release',
    timeoutMs: 15 * 60_000,
    run: async (ctx) => {
      const failed = state.release;
      if (!state.applied || !failed)
        return { ok: true, skipped: true, detail: 'nothing was changed: the deploy stopped before applying' };
      const back = await rollbackTarget(state, failed.target);
      if (!back)
        return {
          ok: false,
          detail: `${service} has no known-good release to roll back to: it stays on ${shortTarget(failed.target)}, which failed`,
        };
      state.rollback = await state.releases.begin({
        service,
        kind: back.kind,
        target: back.target,
        requested: back.requested,
        action: 'rollback',
        runId: state.runId,
        by: 'dayshift',
        previousId: failed.id,
      });
      const applied = await state.target.apply(back.target, back.requested, bounded(ctx));
      await state.releases.applied(state.rollback.id);
      await state.releases.note(state.rollback.id, { apply: summaryOf(applied), rollbackOf: failed.id });
      return {
        ok: true,
        detail: `rolled back from ${shortTarget(failed.target)} to release ${back.id} (${shortTarget(back.target)}): ${applied.detail}`,
        output: applied.output,
        result: { from: failed.target, to: back.target, release: state.rollback.id },
      };
    },
  };
}

/**
 * A rollback that goes back past a release whose migrations changed the schema offers to restore the
 * backup taken before it (the oldest such release past the target, whose snapshot predates them all),
 * unless that backup was restored already.
 */
async function offerRestorePast(state: DeployState, target: Release): Promise<void> {
  const past = (await state.releases.list(state.request.service, { limit: 500 }))
    .filter((r) => r.id > target.id && r.action === 'deploy' && r.backup && r.appliedAt !== null)
    .filter((r) => !(r.detail as { restored?: unknown } | null)?.restored)
    .sort((a, b) => a.id - b.id)[0];
  if (!past?.backup) return;
  state.backup = past.backup;
  state.backupOf = past.id;
}

/** The pre-deploy restore a rollback past a migrating release offers: asked first unless `restore: auto`. */
function restorePhases(state: DeployState, list: '' | 'on_failure.'): Array<Phase | ApprovalPhase> {
  const offered = () => (state.applied && state.backup ? state.backup : undefined);
  const approve: ApprovalPhase = {
    name: 'approve-restore',
    description: 'approve restoring the backup taken before the release',
    ask: () => {
      const backup = offered();
      if (!backup) return { skipped: 'no pre-deploy backup is bound to the release' };
      if (state.definition.restore === 'auto') return { skipped: 'restore: auto needs no approval' };
      return {
        message: `restore snapshot ${backup.snapshot} of ${backup.backup}, taken before release ${state.backupOf ?? state.release?.id}, whose migrations changed the schema? Approve with \`dayshift approve ${state.runId}\``,
        timeoutMs: APPROVAL_MS,
      };
    },
  };
  const restore: Phase = {
    name: 'restore',
    description: 'restore the backup taken before the release',
    timeoutMs: 6 * 3_600_000,
    run: async (ctx) => {
      const backup = offered();
      if (!backup) return { ok: true, skipped: true, detail: 'no pre-deploy backup is bound to the release' };
      if (state.definition.restore !== 'auto') {
        const run = await state.runs.get(state.runId);
        const asked = run?.steps.find((s) => s.name === `${list}approve-restore`);
        if (asked?.outcome !== 'pass')
          return {
            ok: false,
            detail: `not restored: the restore was not approved (${asked?.outcome ?? 'not asked'})`,
          };
      }
      const done = await ctx.backups.restore(backup.backup, {
        snapshot: backup.snapshot,
        signal: ctx.signal,
      });
      // The release says so too: its alert tells whether the database still holds its migrations.
      const of = state.backupOf ?? state.release?.id;
      if (of !== undefined) await state.releases.note(of, { restored: done.detail });
      return { ok: true, detail: done.detail, result: backup };
    },
  };
  return [approve, restore];
}

/**
 * Why a service whose Engine health is not yet `healthy` (`starting`) is still starting; undefined when
 * its containers pass their own healthcheck run now. The Engine runs its first probe one interval after
 * the start, however soon the service is ready; running the same command now does not wait for it.
 */
async function stillStarting(ctx: StepContext, service: string, health: string): Promise<string | undefined> {
  const probe = await ctx.services.probe(service, ctx.signal).catch(() => undefined);
  if (probe?.healthy) return undefined;
  return `its healthcheck says ${health}${probe ? `; ${probe.detail}` : ''}`;
}

/**
 * Healthy within `healthy_within`: the container's own healthcheck (when it has one) and the service's
 * checks (or `verify.checks`) all pass; an `unhealthy` healthcheck fails at once. The startup logs are
 * kept as evidence either way; then the smoke suite, when `verify.smoke` names one.
 */
async function verifyService(state: DeployState, ctx: StepContext, release: Release): Promise<StepOutcome> {
  const { definition, request, clock } = state;
  const service = request.service;
  const started = clock.now();
  const deadline = started + definition.verify.healthy_within;
  const refs = definition.verify.checks ?? ctx.checks.ofService(service);
  let why = 'not checked yet';
  let healthy = false;
  let broken = false;
  while (!healthy && !broken) {
    const status = await ctx.services.status(service, ctx.signal);
    if (status && status.state !== 'running') why = `${service} is ${status.state}: ${status.detail}`;
    else if (status?.health === 'unhealthy') {
      why = `its healthcheck says unhealthy: ${status.detail}`;
      broken = true;
    } else {
      const starting =
        status?.health !== undefined && status.health !== 'healthy'
          ? await stillStarting(ctx, service, status.health)
          : undefined;
      if (starting) why = starting;
      else {
        const verdicts = refs.length > 0 ? await ctx.checks.run(refs, ctx.signal) : [];
        const failed = verdicts.filter((v) => v.outcome === 'fail');
        if (failed.length === 0) healthy = true;
        else why = failed.map((v) => `${v.id}: ${v.reason}`).join('; ');
      }
    }
    if (healthy || broken) break;
    if (clock.now() >= deadline) break;
    const poll = clock.now() - started < POLL_MS.quickForMs ? POLL_MS.first : POLL_MS.later;
    await ctx.sleep(Math.min(poll, Math.max(1, deadline - clock.now())));
  }
  // When it was seen healthy: the startup logs and the smoke suite below are not part of it.
  const healthyMs = clock.now() - started;
  const appliedAt = release.appliedAt ?? started;
  const logs = await ctx.services
    .act(service, 'logs', {
      sinceMs: clock.now() - appliedAt + 2_000,
      tail: 500,
      signal: ctx.signal,
      timeoutMs: 30_000,
    })
    .catch(() => undefined);
  // Kept even when the service wrote nothing: that it was silent since it started is evidence too.
  await ctx.evidence({
    name: `startup logs of ${service}`,
    kind: 'log',
    content:
      logs === undefined ? '(its logs could not be read)' : logs.logs || '(nothing written since it started)',
  });
  if (!healthy)
    return {
      ok: false,
      detail: broken
        ? why
        : `${service} was not healthy within ${formatDuration(definition.verify.healthy_within)}: ${why}`,
    };
  const healthyIn = `healthy in ${formatDuration(healthyMs)}`;
  if (!definition.verify.smoke) return { ok: true, detail: healthyIn, result: { healthyMs } };
  const smokeStarted = clock.now();
  const smoke = await ctx.smoke.run(definition.verify.smoke, ctx.signal);
  return {
    ok: smoke.ok,
    detail: `${healthyIn}; ${smoke.detail}`,
    result: { healthyMs, smokeMs: clock.now() - smokeStarted, smokeRun: smoke.runId },
  };
}

/** Keeps the images of the last `keep_releases` known-good releases, so a rollback is a restart, not a pull. */
async function pruneImages(state: DeployState, ctx: StepContext, release: Release): Promise<string> {
  if (release.kind !== 'image' || !state.target.prune) return '';
  const keep = await state.releases.knownGoodTargets(state.request.service, state.definition.keep_releases);
  const { removed } = await state.target.prune(
    repositoryOf(release.target),
    [...new Set([...keep, release.target])],
    bounded(ctx),
  );
  return removed.length > 0 ? `${removed.length} older image(s) removed` : '';
}

function bounded(ctx: StepContext): ActionOptions {
  return { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
}

function summaryOf(applied: Applied): Record<string, unknown> {
  return {
    sideBySide: applied.sideBySide,
    ...(applied.downtimeMs === undefined ? {} : { downtimeMs: applied.downtimeMs }),
    ...(applied.file === undefined ? {} : { file: applied.file }),
  };
}
