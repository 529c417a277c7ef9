import { z } from 'zod';
import type { DriverDefinition } from './types.js';

/** No control: the service can be checked and backed up, not restarted (a managed database, a cron job). */
export const noneDriver = {
  kind: 'none',
  description: 'no control: the service can be checked and backed up, not restarted',
  options: z.strictObject({}),
} satisfies DriverDefinition;
