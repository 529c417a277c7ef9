import { z } from 'zod';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.strictObject({ to: z.array(name()).min(1), message: z.string().min(1) });

/** Sends a message to notifiers. */
export const notifyStep = {
  kind: 'notify',
  description: 'send a message to notifiers',
  options,
  references: (o) => o.to.map((notifier, i) => ({ to: 'notifier', name: notifier, at: ['to', i] })),
} satisfies StepKindDefinition<z.output<typeof options>>;
