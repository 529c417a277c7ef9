import { z } from 'zod';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/**
 * Restores a backup's snapshot (the newest good one unless `snapshot` names one) over the live data,
 * or into `to`: a target the stack file's restore rules allow, checked when the file is validated.
 */
export const restoreStep = {
  kind: 'restore',
  description:
    "restore a backup's snapshot over the live data, or into `to`: the newest good one, or the one named",
  options: z.union([
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
  ]),
} satisfies StepKindDefinition;
