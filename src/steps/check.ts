import { z } from 'zod';
import { checkRef } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([checkRef(), z.array(checkRef()).min(1)]);

/**
 * Runs checks now (`web.health`, or `web` for all of a service's) and fails if one fails. Each verdict
 * is the step's result, so a later `when:` can read `steps.check.result["worker.backlog"].outcome`.
 */
export const checkStep = {
  kind: 'check',
  description: 'run checks now (service.check, or a service for all its checks); the step fails if one fails',
  options,
  references: (refs) =>
    typeof refs === 'string'
      ? [{ to: 'checks', name: refs, at: [] }]
      : refs.map((ref, i) => ({ to: 'checks', name: ref, at: [i] })),
  run: async (refs, ctx) => {
    const verdicts = await ctx.checks.run(typeof refs === 'string' ? [refs] : refs, ctx.signal);
    const failed = verdicts.filter((v) => v.outcome === 'fail');
    const result = Object.fromEntries(verdicts.map((v) => [v.id, { outcome: v.outcome, reason: v.reason }]));
    return {
      ok: failed.length === 0,
      detail:
        failed.length === 0
          ? `${verdicts.map((v) => v.id).join(', ')}: ${verdicts.length === 1 ? 'passes' : 'all pass'}`
          : failed.map((v) => `${v.id} fails: ${v.reason}`).join('; '),
      result,
    };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
