import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Runs a backup now and waits for its snapshot. */
export const backupStep = {
  kind: 'backup',
  description: 'run a backup now and wait for its snapshot',
  options: name(),
  references: (backup) => [{ to: 'backup', name: backup, at: [] }],
  run: async (backup, ctx) => {
    const done = await ctx.backups.run(backup, ctx.signal);
    return { ok: true, detail: done.detail, result: { snapshot: done.snapshot } };
  },
} satisfies StepKindDefinition<string>;
