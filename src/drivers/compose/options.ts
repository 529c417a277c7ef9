import { z } from 'zod';
import { agentOptions } from '../shared/agent-options.js';

/** The compose driver's options: where the Compose project is, and which of its services. */
export const options = z.strictObject({
  project_dir: z
    .string()
    .min(1)
    .default('.')
    .describe("the Compose project's folder, from the stack file's; Compose runs there"),
  files: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "Compose files (-f), from project_dir; without them, Compose's own (compose.yaml, docker-compose.yml, ...)",
    ),
  profiles: z.array(z.string().min(1)).optional().describe('Compose profiles to enable (--profile)'),
  project_name: z
    .string()
    .min(1)
    .optional()
    .describe("the project's name (-p); Compose's own default without"),
  /** Set per service when the Compose service has another name. */
  service: z.string().min(1).optional().describe("the Compose service; the Dayshift service's name without"),
  agent: agentOptions().optional(),
});
export type ComposeOptions = z.output<typeof options>;
