import { z } from 'zod';
import type { DriverDefinition } from './types.js';

/** Commands you give for each action (supervisor, a platform CLI); an action without one is not available. */
export const shellDriver = {
  kind: 'shell',
  description: 'commands you give for each action; an action without a command is not available',
  options: z.strictObject({
    start: z.string().min(1).optional(),
    stop: z.string().min(1).optional(),
    restart: z.string().min(1).optional(),
    status: z.string().min(1).optional(),
    logs: z.string().min(1).optional(),
    /** Receives the replica count in $DAYSHIFT_REPLICAS. */
    scale: z.string().min(1).optional(),
  }),
} satisfies DriverDefinition;
