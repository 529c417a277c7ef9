import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Runs a backup now and waits for its snapshot. */
export const backupStep = {
  kind: 'backup',
  description: 'run a backup now and wait for its snapshot',
  options: name(),
  references: (backup) => [{ to: 'backup', name: backup, at: [] }],
} satisfies StepKindDefinition<string>;
