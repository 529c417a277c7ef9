import { z } from 'zod';

/** The systemd driver's options: which unit, and whether it is a user unit. */
export const options = z.strictObject({
  unit: z
    .string()
    .regex(/^[^-\s]\S*$/, 'expected a unit name such as web.service')
    .optional()
    .describe('the unit, <service>.service by default'),
  user: z.boolean().default(false).describe('a user unit: systemctl --user, journalctl --user-unit'),
});
export type SystemdOptions = z.output<typeof options>;
