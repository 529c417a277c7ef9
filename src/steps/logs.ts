import { z } from 'zod';
import { name, span } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([
  name(),
  z.strictObject({
    service: name(),
    since: span().optional(),
    tail: z.number().int().positive().optional(),
  }),
]);

/** Lines kept when a logs step gives neither `since` nor `tail`. */
const DEFAULT_TAIL = 500;

/** Captures a service's recent logs into the run's evidence (preserve logs before a restart). */
export const logsStep = {
  kind: 'logs',
  description: "capture a service's recent logs as evidence of the run",
  options,
  references: (o) =>
    typeof o === 'string'
      ? [{ to: 'service', name: o, at: [] }]
      : [{ to: 'service', name: o.service, at: ['service'] }],
  actions: (o) =>
    typeof o === 'string'
      ? [{ service: o, action: 'logs', at: [] }]
      : [{ service: o.service, action: 'logs', at: ['service'] }],
  run: async (o, ctx) => {
    const service = typeof o === 'string' ? o : o.service;
    const since = typeof o === 'string' ? undefined : o.since;
    const tail =
      typeof o === 'string' ? DEFAULT_TAIL : (o.tail ?? (since === undefined ? DEFAULT_TAIL : undefined));
    const report = await ctx.services.act(service, 'logs', {
      sinceMs: since,
      tail,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    });
    const text = report.logs ?? '';
    await ctx.evidence({ name: `logs of ${service}`, kind: 'log', content: text });
    const lines = text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
    return {
      ok: true,
      detail: `kept ${lines} line${lines === 1 ? '' : 's'} of ${service}'s logs`,
      result: { lines },
    };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
