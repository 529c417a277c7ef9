import { z } from 'zod';
import { checkKinds } from '../../checks/registry.js';
import { driverKinds } from '../../drivers/registry.js';
import { kinded } from '../plugin.js';
import { duration, expectation, name, SEVERITIES } from '../schema-helpers.js';

/** Keys every check has beside its kind: Docker's healthcheck semantics plus routing. */
export const checkCommon = {
  expect: z.array(expectation()).optional(),
  every: duration().optional(),
  timeout: duration().optional(),
  retries: z.number().int().min(1).optional(),
  start_period: duration().optional(),
  recover: z.number().int().min(1).optional(),
  severity: z.enum(SEVERITIES).optional(),
  notify: z.array(name()).optional(),
  description: z.string().optional(),
};

export const checkSchema = kinded('check kind', checkKinds, checkCommon);

/** `driver:` is a kind name (`none`, `compose`) or an object with one kind key and its settings. */
export const driverSchema = z.union([
  z.enum(Object.keys(driverKinds) as [string, ...string[]]).transform((kind) => ({ kind, options: {} })),
  kinded('driver', driverKinds, {}),
]);

export const serviceSchema = z.strictObject({
  description: z.string().optional(),
  driver: driverSchema.optional(),
  checks: z.record(name(), checkSchema).optional(),
});

export const servicesSchema = z.record(name(), serviceSchema);
export const runtimeSchema = kinded('driver', driverKinds, {});
