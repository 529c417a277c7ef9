import { lazyControl, throughAgent } from '../shared/lazy-control.js';
import { type DriverDefinition, type Refusal, SERVICE_ACTIONS, type ServiceAction } from '../types.js';
import { type ComposeOptions, options } from './options.js';

/** Docker Compose: acts on the Compose service of the Dayshift service's name (or `service`). */
export const composeDriver = {
  kind: 'compose',
  description: "Docker Compose: the Compose service of the same name, or the one named by 'service'",
  options,
  supports: (): readonly ServiceAction[] => SERVICE_ACTIONS,
  refusal: (service: string, action: ServiceAction): Refusal => ({
    message: `service \`${service}\` (compose driver) has no \`${action}\``,
    hint: `the compose driver does: ${SERVICE_ACTIONS.join(', ')}`,
  }),
  /** Its services run containers: `dayshift deploy --image` applies a digest to them. */
  open: (target, o) =>
    o.agent
      ? throughAgent('compose', target.service)
      : lazyControl(() => import('./control.js').then((m) => m.composeControl(target, o)), { images: true }),
  // Here, or through the agent its options name (`dayshift agent --allow ...,deploy`).
  deploysImages: () => true,
} satisfies DriverDefinition<ComposeOptions>;
