import { z } from 'zod';
import type { DriverDefinition } from './types.js';

/** A systemd unit, `<service>.service` unless `unit` says; `user: true` for a user unit. */
export const systemdDriver = {
  kind: 'systemd',
  description: "a systemd unit: <service>.service unless 'unit' says; user: true for systemctl --user",
  options: z.strictObject({ unit: z.string().optional(), user: z.boolean().default(false) }),
} satisfies DriverDefinition;
