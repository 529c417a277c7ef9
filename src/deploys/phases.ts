import { repositoryOf } from '../drivers/shared/image-digest.js';
import { describeError } from '../runs/scrubbed.js';
import type { StepContext } from '../steps/types.js';
import { gatePhases } from './gates.js';
import { type ApprovalPhase, imageReference, type Phase } from './plan.js';
import { type Release, shortTarget } from './release.js';
import { offerRestorePast, restorePhases } from './restore.js';
import { type Applied, bounded, type DeployState } from './state.js';
import { verifyService } from './verify.js';

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
      const previous = (await state.releases.live(service)) ?? (await adoptRunning(state, ctx, target));
      state.release = await state.releases.begin({
        service,
        kind: state.target.kind,
        target,
        requested,
        action: 'deploy',
        runId: state.runId,
        by: request.by,
        previousId: previous?.id ?? null,
      });
      const was = previous ? `; live now: release ${previous.id} (${shortTarget(previous.target)})` : '';
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

function summaryOf(applied: Applied): Record<string, unknown> {
  return {
    sideBySide: applied.sideBySide,
    ...(applied.downtimeMs === undefined ? {} : { downtimeMs: applied.downtimeMs }),
    ...(applied.file === undefined ? {} : { file: applied.file }),
  };
}
