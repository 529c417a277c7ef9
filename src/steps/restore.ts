import { z } from 'zod';
import { name } from '../config/values.js';
import type { StepKindDefinition } from './registry.js';

/** Restores a backup's snapshot over the live data (the newest good one unless `snapshot` names one). */
export const restoreStep = {
  kind: 'restore',
  description: "restore a backup's snapshot over the live data: the newest good one, or the one named",
  options: z.union([
    name(),
    z.strictObject({ backup: name(), snapshot: z.string().min(1).default('latest') }),
  ]),
} satisfies StepKindDefinition;
