import { z } from 'zod';
import { checkRef } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([checkRef(), z.array(checkRef()).min(1)]);

/** Runs checks now (`web.health`, or `web` for all of a service's) and stops the run if one fails. */
export const checkStep = {
  kind: 'check',
  description: 'run checks now (service.check, or a service for all its checks); the run stops if one fails',
  options,
  references: (refs) =>
    typeof refs === 'string'
      ? [{ to: 'checks', name: refs, at: [] }]
      : refs.map((ref, i) => ({ to: 'checks', name: ref, at: [i] })),
} satisfies StepKindDefinition<z.output<typeof options>>;
