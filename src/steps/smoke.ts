import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Runs a smoke suite; the step fails if one of its steps fails. The suite's own run is linked. */
export const smokeStep = {
  kind: 'smoke',
  description: 'run a smoke suite; the step fails if one of its steps fails',
  options: name(),
  references: (suite) => [{ to: 'smoke', name: suite, at: [] }],
  run: async (suite, ctx) => {
    const report = await ctx.smoke.run(suite, ctx.signal);
    return { ok: report.ok, detail: report.detail, result: { run: report.runId } };
  },
} satisfies StepKindDefinition<string>;
