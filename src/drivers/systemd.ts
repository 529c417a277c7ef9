import { z } from 'zod';
import { notYetActing } from './shared/not-yet.js';
import type { DriverDefinition } from './types.js';

/** A systemd unit, `<service>.service` unless `unit` says; `user: true` for a user unit. */
export const systemdDriver = {
  kind: 'systemd',
  description: "a systemd unit: <service>.service unless 'unit' says; user: true for systemctl --user",
  options: z.strictObject({ unit: z.string().optional(), user: z.boolean().default(false) }),
  ...notYetActing('systemd', ['status', 'restart', 'stop', 'start', 'logs', 'env']),
} satisfies DriverDefinition;
