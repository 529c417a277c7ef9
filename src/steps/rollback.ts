import { z } from 'zod';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([
  name(),
  z.strictObject({
    service: name(),
    to: z.string().min(1).describe('a release id, digest or commit prefix'),
  }),
]);

/** Rolls a service back to its last known-good release (or `to:` one): a deploy run of its own. */
export const rollbackStep = {
  kind: 'rollback',
  description: 'roll a service back to its last known-good release, or the one `to:` names',
  options,
  references: (o) =>
    typeof o === 'string'
      ? [{ to: 'service', name: o, at: [] }]
      : [{ to: 'service', name: o.service, at: ['service'] }],
  timeoutOf: () => 3_600_000,
  run: async (o, ctx) => {
    const [service, to] = typeof o === 'string' ? [o, undefined] : [o.service, o.to];
    const done = await ctx.deploys.rollback(service, to, `run:${ctx.runId}`, ctx.signal);
    return { ok: done.ok, detail: done.detail, result: { runId: done.runId } };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
