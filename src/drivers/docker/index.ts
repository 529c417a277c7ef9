import { lazyControl, throughAgent } from '../shared/lazy-control.js';
import type { DriverDefinition, Refusal, ServiceAction } from '../types.js';
import { type DockerOptions, options } from './options.js';

/** What a bare container can do; building, redeploying and scaling need what Compose knows about it. */
const ACTIONS: readonly ServiceAction[] = ['status', 'restart', 'stop', 'start', 'logs', 'env'];

/** Containers through the Engine API: the one of the service's name, `container`, or all with `label`. */
export const dockerDriver = {
  kind: 'docker',
  description:
    "Docker containers through the Engine API: the one of the same name, 'container', or every one with 'label'",
  options,
  supports: (): readonly ServiceAction[] => ACTIONS,
  refusal: (service: string, action: ServiceAction): Refusal => ({
    message: ACTIONS.includes(action)
      ? `service \`${service}\` (docker driver) cannot \`${action}\``
      : `service \`${service}\` uses the docker driver, which cannot \`${action}\`: a bare container has no build, no definition to redeploy from and no replicas`,
    hint: `the docker driver does: ${ACTIONS.join(', ')}; the compose driver can ${action} a Compose service (\`driver: { compose: { service: ... } }\`)`,
  }),
  /** Its services run containers: `dayshift deploy --image` applies a digest to them. */
  open: (target, o) =>
    o.agent
      ? throughAgent('docker', target.service)
      : lazyControl(() => import('./control.js').then((m) => m.dockerControl(target, o)), { images: true }),
  // Here, or through the agent its options name (`dayshift agent --allow ...,deploy`).
  deploysImages: () => true,
} satisfies DriverDefinition<DockerOptions>;
