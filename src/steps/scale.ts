import { z } from 'zod';
import { name } from '../schema/values.js';
import { paramNumber } from './shared/param-values.js';
import type { StepKindDefinition } from './types.js';

const options = z.strictObject({ service: name(), replicas: paramNumber(0) });

/** Sets a service's replica count (`docker compose up -d --scale worker=3`). */
export const scaleStep = {
  kind: 'scale',
  description: "set a service's number of replicas (a number, or {{ params.name }})",
  options,
  references: (o) => [{ to: 'service', name: o.service, at: ['service'] }],
  actions: (o) => [{ service: o.service, action: 'scale', at: ['service'] }],
  run: async (o, ctx) => {
    const replicas = Number(o.replicas);
    const report = await ctx.services.act(o.service, 'scale', {
      replicas,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    });
    return { ok: true, detail: report.detail, output: report.output, result: { replicas } };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
