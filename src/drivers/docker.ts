import { z } from 'zod';
import { agentOptions } from './shared/agent-options.js';
import { notYetActing } from './shared/not-yet.js';
import { type DriverDefinition, SERVICE_ACTIONS } from './types.js';

/** A Docker container through the Engine API, the container of the service's name unless `container` says. */
export const dockerDriver = {
  kind: 'docker',
  description: "a Docker container through the Engine API: the container of the same name, or 'container'",
  options: z.strictObject({
    container: z.string().optional(),
    socket: z.string().optional(),
    agent: agentOptions().optional(),
  }),
  ...notYetActing('docker', SERVICE_ACTIONS),
} satisfies DriverDefinition;
