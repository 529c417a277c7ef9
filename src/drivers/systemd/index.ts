import { lazyControl } from '../shared/lazy-control.js';
import type { DriverDefinition, Refusal, ServiceAction, ServiceControl } from '../types.js';
import { options, type SystemdOptions } from './options.js';

/** What systemctl and journalctl can do for a unit; scaling, building and deploying are not a unit's. */
const ACTIONS: readonly ServiceAction[] = ['status', 'restart', 'stop', 'start', 'logs', 'env'];

/** A systemd unit, `<service>.service` unless `unit` says; `user: true` for a user unit. */
export const systemdDriver = {
  kind: 'systemd',
  description: "a systemd unit: <service>.service unless 'unit' says; user: true for systemctl --user",
  options,
  supports: (): readonly ServiceAction[] => ACTIONS,
  refusal: (service: string, action: ServiceAction): Refusal => ({
    message: `service \`${service}\` uses the systemd driver, which has no \`${action}\``,
    hint: `the systemd driver does: ${ACTIONS.join(', ')}; a shell driver with a \`${action}:\` command can do it`,
  }),
  open: (target, o): ServiceControl => {
    // The machinery is loaded on first use, so reading the stack file does not pay for it.
    return lazyControl(() => import('./control.js').then((m) => m.systemdControl(target, o)));
  },
} satisfies DriverDefinition<SystemdOptions>;
