import { name } from '../../schema/values.js';
import type { StepKindDefinition } from '../types.js';

/**
 * A step that asks one service's driver for one action that changes it (`restart: worker`). The
 * services port keeps the service's recent logs as evidence first, for the actions that stop it.
 */
export function serviceActionStep(action: string, description: string) {
  return {
    kind: action,
    description,
    options: name(),
    references: (service) => [{ to: 'service', name: service, at: [] }],
    actions: (service) => [{ service, action, at: [] }],
    run: async (service, ctx) => {
      const report = await ctx.services.act(service, action, {
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
      });
      return { ok: true, detail: report.detail, output: report.output, result: { detail: report.detail } };
    },
  } satisfies StepKindDefinition<string>;
}
