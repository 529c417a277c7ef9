import { z } from 'zod';
import { name } from '../schema/values.js';
import { alertingSchema, maintenanceSchema, notifiersSchema, rulesSchema } from './sections/alerting.js';
import { backupsSchema, repositoriesSchema, restoreSchema } from './sections/backups.js';
import { deploysSchema } from './sections/deploys.js';
import { historySchema } from './sections/history.js';
import { incidentsSchema, oncallSchema, peopleSchema, statusPageSchema } from './sections/incidents.js';
import { envSchema, smokeSchema } from './sections/operations.js';
import { serverSchema, storeSchema } from './sections/platform.js';
import { runbooksSchema } from './sections/runbooks.js';
import { runtimeSchema, servicesSchema } from './sections/services.js';

/** Every top-level section and its schema; the loader validates them one by one. */
export const sections = {
  version: z.literal(1, { error: 'expected 1, the only version of this file format' }),
  stack: name().optional().describe('the name of this stack'),
  store: storeSchema,
  server: serverSchema,
  runtime: runtimeSchema.optional().describe('the default driver for services'),
  services: servicesSchema,
  history: historySchema,
  rules: rulesSchema,
  alerting: alertingSchema,
  notifiers: notifiersSchema,
  maintenance: maintenanceSchema,
  backups: backupsSchema,
  repositories: repositoriesSchema,
  restore: restoreSchema,
  smoke: smokeSchema,
  env: envSchema.optional(),
  runbooks: runbooksSchema,
  deploys: deploysSchema,
  people: peopleSchema,
  oncall: oncallSchema,
  incidents: incidentsSchema.optional(),
  status_page: statusPageSchema.optional(),
};

export type SectionName = keyof typeof sections;

const stackObject = z.strictObject(sections);
export type ParsedSections = z.output<typeof stackObject>;

/** What follows from several sections at once: each service's driver is its own, the runtime's, or none. */
export function finishStack(parsed: ParsedSections) {
  const fallback = parsed.runtime ?? { kind: 'none' as const, options: {} };
  const services = Object.fromEntries(
    Object.entries(parsed.services).map(([id, service]) => [
      id,
      { ...service, driver: service.driver ?? fallback },
    ]),
  );
  return { ...parsed, services };
}

/** The whole stack file: the sections, then what follows from them together. */
export const stackSchema = stackObject.transform(finishStack).meta({
  title: 'dayshift.yaml',
  description:
    'The Dayshift stack file: services and their checks, alert rules and notifiers, backups with restore drills, runbooks, deploys and incidents.',
});

/** A validated, frozen stack file. */
export type StackConfig = z.output<typeof stackSchema>;
export type ServiceConfig = StackConfig['services'][string];
export type CheckConfig = ServiceConfig['checks'][string];
export type { DeployDefinition, DeployStep } from './sections/deploys.js';

/** The JSON Schema editors use to complete the file, generated from the same definitions. */
export function jsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(stackSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  // `x-` keys at the top are free for YAML anchors, as in Docker Compose.
  schema.patternProperties = { '^x-': {} };
  return { $id: 'https://dayshift.dev/schema/dayshift.schema.json', ...schema };
}
