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
    const control = () => import('./control.js').then((m) => m.systemdControl(target, o));
    return {
      status: async (a) => (await control()).status(a),
      start: async (a) => (await control()).start(a),
      stop: async (a) => (await control()).stop(a),
      restart: async (a) => (await control()).restart(a),
      rebuild: async (a) => (await control()).rebuild(a),
      redeploy: async (a) => (await control()).redeploy(a),
      scale: async (a) => (await control()).scale(a),
      logs: async (a) => (await control()).logs(a),
      env: async (a) => (await control()).env(a),
    };
  },
} satisfies DriverDefinition<SystemdOptions>;
