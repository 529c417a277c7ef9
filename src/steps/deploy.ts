import { z } from 'zod';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([
  z.strictObject({ service: name(), image: z.string().min(1) }),
  z.strictObject({ service: name(), ref: z.string().min(1) }),
]);

/**
 * Deploys a service at an image reference or a git ref, with the gates, verification and rollback of
 * its `deploys:` entry: a deploy run of its own, which this step waits for and names.
 */
export const deployStep = {
  kind: 'deploy',
  description: 'deploy a service at an image or git ref, with its deploys: gates, verification and rollback',
  options,
  references: (o) => [{ to: 'service', name: o.service, at: ['service'] }],
  timeoutOf: () => 2 * 3_600_000,
  run: async (o, ctx) => {
    const what = 'image' in o ? { image: o.image } : { ref: o.ref };
    const done = await ctx.deploys.deploy(o.service, what, `run:${ctx.runId}`, ctx.signal);
    return { ok: done.ok, detail: done.detail, result: { runId: done.runId } };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
