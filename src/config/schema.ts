import { z } from 'zod';
import { secretUrl } from './schema-helpers.js';
import { backupsSchema, repositoriesSchema } from './sections/backups.js';
import {
  deploysSchema,
  envSchema,
  incidentsSchema,
  maintenanceSchema,
  notifiersSchema,
  rulesSchema,
  runbooksSchema,
  smokeSchema,
  statusPageSchema,
} from './sections/operations.js';
import { runtimeSchema, servicesSchema } from './sections/services.js';

const storeSchema = z.union([
  z.strictObject({ url: secretUrl(['postgres', 'postgresql']) }),
  z.strictObject({ sqlite: z.strictObject({ path: z.string().min(1) }) }),
]);

const serverSchema = z.strictObject({
  listen: z.string().optional(),
  metrics: z.strictObject({ public: z.boolean().default(true) }).optional(),
});

/** The whole stack file. Every section is optional but `version`. */
export const stackSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1, the only version of this file format' }),
    stack: z.string().optional(),
    store: storeSchema.optional(),
    server: serverSchema.optional(),
    runtime: runtimeSchema.optional(),
    services: servicesSchema.optional(),
    rules: rulesSchema.optional(),
    notifiers: notifiersSchema.optional(),
    maintenance: maintenanceSchema.optional(),
    backups: backupsSchema.optional(),
    repositories: repositoriesSchema.optional(),
    smoke: smokeSchema.optional(),
    env: envSchema.optional(),
    runbooks: runbooksSchema.optional(),
    deploys: deploysSchema.optional(),
    incidents: incidentsSchema.optional(),
    status_page: statusPageSchema.optional(),
  })
  .meta({
    title: 'dayshift.yaml',
    description: 'The Dayshift stack file: services, checks, backups, runbooks, deploys, incidents.',
  });

export type StackConfig = z.output<typeof stackSchema>;

/** The JSON Schema editors use to complete the file, generated from the same definitions. */
export function jsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(stackSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
