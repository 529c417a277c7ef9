import { formatDuration } from '../schema/duration.js';
import type { StepContext, StepOutcome } from '../steps/types.js';
import type { Release } from './release.js';
import type { DeployState } from './state.js';

/**
 * How often verify asks whether the service is healthy yet: each ask is an Engine list and inspect
 * (no program spawned) and, once the healthcheck passes, the service's checks. Quickly at first, so a
 * service healthy in a second is seen within 100 ms of it rather than half a second; then every 500 ms,
 * so a service slow to start is not asked ten times a second for minutes.
 */
const POLL_MS = { first: 100, later: 500, quickForMs: 10_000 } as const;

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
export async function verifyService(
  state: DeployState,
  ctx: StepContext,
  release: Release,
): Promise<StepOutcome> {
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
