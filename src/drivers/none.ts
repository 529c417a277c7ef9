import { z } from 'zod';
import type { DriverDefinition, Refusal, ServiceAction } from './types.js';

/** No control: the service can be checked and backed up, not restarted (a managed database, a cron job). */
export const noneDriver = {
  kind: 'none',
  description: 'no control: the service can be checked and backed up, not restarted',
  options: z.strictObject({}),
  supports: (): readonly ServiceAction[] => [],
  refusal: (service: string, action: ServiceAction): Refusal => ({
    message: `service \`${service}\` has no driver, so Dayshift cannot act on it (\`${action}\`)`,
    hint: `give it one with \`driver:\` under services.${service} (shell, compose, docker, systemd), or set a default for every service with \`runtime:\``,
  }),
} satisfies DriverDefinition;
