import { z } from 'zod';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.strictObject({ to: z.array(name()).min(1), message: z.string().min(1) });

/** Sends a message to notifiers ({{ params.name }} in it is the run's parameter). */
export const notifyStep = {
  kind: 'notify',
  description: 'send a message to notifiers',
  options,
  references: (o) => o.to.map((notifier, i) => ({ to: 'notifier', name: notifier, at: ['to', i] })),
  run: async (o, ctx) => {
    const sent = await ctx.notify.send(o.to, o.message, ctx.signal);
    return { ok: true, detail: sent.detail };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
