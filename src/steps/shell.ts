import { z } from 'zod';
import { commandLine, stringMap } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Runs a command; its output is kept as evidence and a non-zero exit fails the step. */
export const shellStep = {
  kind: 'shell',
  description: 'run a command; output is kept as evidence, a non-zero exit fails the step',
  options: z.union([
    z.string().min(1),
    z.strictObject({ run: commandLine(), cwd: z.string().optional(), env: stringMap().optional() }),
  ]),
  references: () => [],
} satisfies StepKindDefinition;
