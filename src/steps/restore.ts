import { z } from 'zod';
import type { Reference } from '../schema/references.js';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([
  name(),
  z.strictObject({
    backup: name(),
    snapshot: z.string().min(1).default('latest'),
    to: z
      .string()
      .min(1)
      .optional()
      .describe(
        "a database name, a URL without credentials on a server the stack file names, or a path under the stack file's directory or restore.allowed_paths",
      ),
  }),
]);

/**
 * Restores a backup's snapshot (the newest good one unless `snapshot` names one) over the live data,
 * or into `to`: a target the stack file's restore rules allow, checked when the file is validated.
 */
export const restoreStep = {
  kind: 'restore',
  description:
    "restore a backup's snapshot over the live data, or into `to`: the newest good one, or the one named",
  options,
  references: (o): Reference[] => {
    if (typeof o === 'string') return [{ to: 'backup', name: o, at: [] }];
    const backup: Reference = { to: 'backup', name: o.backup, at: ['backup'] };
    if (o.to === undefined) return [backup];
    return [backup, { to: 'restore-target', name: o.to, at: ['to'], backup: o.backup }];
  },
  run: async (o, ctx) => {
    const backup = typeof o === 'string' ? o : o.backup;
    const snapshot = typeof o === 'string' ? 'latest' : o.snapshot;
    const to = typeof o === 'string' ? undefined : o.to;
    const done = await ctx.backups.restore(backup, { snapshot, to, signal: ctx.signal });
    return { ok: true, detail: done.detail, result: { backup, snapshot, ...(to ? { to } : {}) } };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
