import { z } from 'zod';
import { ConditionSyntaxError, parseCondition } from '../conditions/index.js';
import { formatDuration } from '../schema/duration.js';
import { checkRef, duration, interval, name, timeout } from '../schema/values.js';
import type { StepContext, StepKindDefinition, StepOutcome } from './types.js';

/** A condition on one check's result, parsed when the file loads: a bad one is a load error. */
const untilCondition = z.string().superRefine((text, ctx) => {
  try {
    parseCondition(text);
  } catch (error) {
    if (!(error instanceof ConditionSyntaxError)) throw error;
    ctx.addIssue({
      code: 'custom',
      message: `bad condition: ${error.message}`,
      params: { column: error.column, hint: error.hint },
    });
  }
});

const options = z.union([
  duration({ min: 1 }),
  z.strictObject({
    healthy: name(),
    timeout: timeout().prefault('5m'),
    every: interval().prefault('1s'),
  }),
  z.strictObject({
    unhealthy: name(),
    timeout: timeout().prefault('5m'),
    every: interval().prefault('1s'),
  }),
  z.strictObject({
    check: checkRef(),
    until: untilCondition,
    timeout: timeout().prefault('5m'),
    every: interval().prefault('1s'),
  }),
]);
type WaitOptions = z.output<typeof options>;

/**
 * Waits a duration, or until a service is healthy (every check passes and its runtime's own health,
 * where it has one, says healthy), unhealthy, or until a condition holds on a check's result: always
 * with a timeout, after which the step fails saying what it last saw.
 */
export const waitStep = {
  kind: 'wait',
  description: "wait a duration, or until a service is healthy or unhealthy, or a check's condition holds",
  options,
  references: (o) =>
    typeof o === 'number'
      ? []
      : 'healthy' in o
        ? [{ to: 'service', name: o.healthy, at: ['healthy'] }]
        : 'unhealthy' in o
          ? [{ to: 'service', name: o.unhealthy, at: ['unhealthy'] }]
          : [{ to: 'check', name: o.check, at: ['check'] }],
  timeoutOf: (o: WaitOptions) => (typeof o === 'number' ? o : o.timeout),
  run: async (o, ctx) => {
    if (typeof o === 'number') {
      await ctx.sleep(o);
      return { ok: true, detail: `waited ${formatDuration(o)}` };
    }
    const started = Date.now();
    let last = 'nothing seen yet';
    for (;;) {
      const seen = await probe(o, ctx);
      last = seen.detail;
      if (seen.ok) return { ...seen, detail: `${seen.detail} after ${formatDuration(Date.now() - started)}` };
      if (Date.now() - started + o.every > o.timeout) break;
      await ctx.sleep(o.every);
    }
    return { ok: false, detail: `still not so after ${formatDuration(o.timeout)}: ${last}` };
  },
} satisfies StepKindDefinition<WaitOptions>;

async function probe(o: Exclude<WaitOptions, number>, ctx: StepContext): Promise<StepOutcome> {
  if ('check' in o) {
    const [verdict] = await ctx.checks.run([o.check], ctx.signal, { expect: [o.until] });
    return verdict?.outcome === 'pass'
      ? { ok: true, detail: `${o.check}: ${o.until} holds`, result: { reason: verdict.reason } }
      : { ok: false, detail: `${o.check}: ${verdict?.reason ?? 'no result'}` };
  }
  const service = 'healthy' in o ? o.healthy : o.unhealthy;
  const want = 'healthy' in o;
  const ids = ctx.checks.ofService(service);
  const verdicts = ids.length > 0 ? await ctx.checks.run(ids, ctx.signal) : [];
  const failing = verdicts.filter((v) => v.outcome === 'fail');
  const status = await ctx.services.status(service, ctx.signal);
  const runtimeSick = status?.health !== undefined && status.health !== 'healthy';
  const down = status !== undefined && status.state === 'stopped';
  const healthy = failing.length === 0 && !runtimeSick && !down;
  const parts = [
    ...failing.map((v) => `${v.id} fails: ${v.reason}`),
    ...(status ? [`${status.state}${status.health ? ` (${status.health})` : ''}`] : []),
  ];
  const detail = `${service} is ${healthy ? 'healthy' : 'unhealthy'}${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`;
  return { ok: healthy === want, detail };
}
