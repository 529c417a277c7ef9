import { z } from 'zod';
import { agentOptions } from './shared/agent-options.js';
import { notYetActing } from './shared/not-yet.js';
import { type DriverDefinition, SERVICE_ACTIONS } from './types.js';

/** Docker Compose: acts on the Compose service of the Dayshift service's name (or `service`). */
export const composeDriver = {
  kind: 'compose',
  description: "Docker Compose: the Compose service of the same name, or the one named by 'service'",
  options: z.strictObject({
    project_dir: z.string().min(1).default('.'),
    files: z.array(z.string().min(1)).optional(),
    project_name: z.string().optional(),
    /** Set per service when the Compose service has another name. */
    service: z.string().optional(),
    agent: agentOptions().optional(),
  }),
  ...notYetActing('compose', SERVICE_ACTIONS),
} satisfies DriverDefinition;
