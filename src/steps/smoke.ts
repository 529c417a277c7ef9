import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Runs a smoke suite; the run stops if a step fails. */
export const smokeStep = {
  kind: 'smoke',
  description: 'run a smoke suite; the run stops if one of its steps fails',
  options: name(),
  references: (suite) => [{ to: 'smoke', name: suite, at: [] }],
} satisfies StepKindDefinition<string>;
