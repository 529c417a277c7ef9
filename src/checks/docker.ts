import { z } from 'zod';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** A container through the Engine API. Values: state, health, restarts, cpu_pct, memory_pct. */
export const dockerCheck = {
  kind: 'docker',
  description: "a container's state, health (Docker's own healthcheck), restarts, cpu_pct and memory_pct",
  options: z.strictObject({
    container: z.string().min(1),
    /** The Engine API socket; the default is /var/run/docker.sock or $DOCKER_HOST. */
    socket: z.string().optional(),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
