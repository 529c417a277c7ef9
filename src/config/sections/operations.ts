import { z } from 'zod';
import { checkKinds } from '../../checks/registry.js';
import { notifierKinds } from '../../notifiers/registry.js';
import { stepKinds } from '../../steps/registry.js';
import { kinded } from '../plugin.js';
import { cron, duration, name, SEVERITIES, timezone } from '../schema-helpers.js';
import { checkCommon } from './services.js';

export const rulesSchema = z.record(
  name(),
  z.strictObject({
    when: z.string().min(1),
    for: duration().optional(),
    severity: z.enum(SEVERITIES).optional(),
    notify: z.array(name()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    description: z.string().optional(),
  }),
);

export const notifiersSchema = z.record(
  name(),
  kinded('notifier kind', notifierKinds, { description: z.string().optional() }),
);

export const maintenanceSchema = z.array(
  z.strictObject({
    name: name(),
    schedule: cron().optional(),
    at: z.string().optional(),
    duration: duration(),
    timezone: timezone().optional(),
    services: z.array(name()).optional(),
  }),
);

/** A smoke step is a check of any kind, run once in order; it may capture values for later steps. */
const smokeStep = kinded('check kind', checkKinds, {
  ...checkCommon,
  name: z.string().optional(),
  capture: z.record(z.string(), z.string()).optional(),
});
export const smokeSchema = z.record(name(), z.array(smokeStep).min(1));

export const envSchema = z.strictObject({
  file: z.string().optional(),
  vars: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
    z.strictObject({
      required: z.boolean().optional(),
      secret: z.boolean().optional(),
      equals: z.string().optional(),
      one_of: z.array(z.string()).optional(),
      pattern: z.string().optional(),
      min: z.number().optional(),
      max: z.number().optional(),
      min_length: z.number().int().min(0).optional(),
      url: z.boolean().optional(),
      https: z.boolean().optional(),
      description: z.string().optional(),
    }),
  ),
});

const stepSchema = kinded('step kind', stepKinds, {
  name: z.string().optional(),
  timeout: duration().optional(),
  continue_on_error: z.boolean().optional(),
});
export const runbooksSchema = z.record(
  name(),
  z.strictObject({ description: z.string().optional(), steps: z.array(stepSchema).min(1) }),
);

const deployGate = z.union([
  z.literal('env'),
  z.strictObject({ backup: name() }),
  z.strictObject({ smoke: name() }),
  z.strictObject({ runbook: name() }),
]);
export const deploysSchema = z.record(
  name(),
  z.strictObject({
    image: z.string().optional(),
    before: z.array(deployGate).optional(),
    verify: z.strictObject({ healthy_within: duration().optional(), smoke: name().optional() }).optional(),
    rollback: z.enum(['auto', 'manual']).default('auto'),
    keep_releases: z.number().int().min(1).optional(),
  }),
);

export const incidentsSchema = z.strictObject({
  severities: z
    .record(
      name(),
      z.strictObject({
        respond_within: duration(),
        escalate: z.array(z.string()).optional(),
        notify: z.array(name()).optional(),
      }),
    )
    .optional(),
  template: z.string().optional(),
});

export const statusPageSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().optional(),
  components: z.array(name()).min(1),
  public: z.boolean().default(false),
});
