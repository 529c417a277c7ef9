import { z } from 'zod';
import { agentOptions } from '../shared/agent-options.js';

/** The docker driver's options: which containers (by name, or every one with some labels), and where the Engine is. */
export const options = z
  .strictObject({
    container: z.string().min(1).optional().describe("a container's name or id; the service's name without"),
    label: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe('every container with all these labels, instead of one by name'),
    socket: z
      .string()
      .min(1)
      .optional()
      .describe("the Engine's socket (a path or unix:///path); $DOCKER_HOST or /var/run/docker.sock without"),
    agent: agentOptions().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.container !== undefined && o.label !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['label'],
        message:
          'expected `container` or `label`, not both: a name picks one container, labels every one that has them',
        params: { got: false },
      });
    if (o.label !== undefined && Object.keys(o.label).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['label'],
        message: 'expected at least one label (`label: { com.example.role: web }`)',
        params: { got: false },
      });
  });
export type DockerOptions = z.output<typeof options>;
