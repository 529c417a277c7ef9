import { z } from 'zod';
import { repositoryKinds } from '../../backup/repositories/registry.js';
import { backupSourceKinds } from '../../backup/sources/registry.js';
import { kinded } from '../plugin.js';
import { cron, duration, name, percent, timezone } from '../schema-helpers.js';

const hook = z.union([
  z.string().min(1),
  z.strictObject({ run: z.string().min(1), timeout: duration().optional() }),
]);

const sourceSchema = kinded('backup source', backupSourceKinds, {
  before: z.array(hook).optional(),
  after: z.array(hook).optional(),
});

/** Where a drill restores the newest snapshot: a scratch database or a temp directory. */
const drillTargetSchema = kinded('restore target', backupSourceKinds, {});

const drillAssertion = z.union([
  z.strictObject({ sql: z.string().min(1), expect: z.string().min(1) }),
  z.strictObject({ row_counts: z.literal(true) }),
  z.strictObject({ files: z.literal(true) }),
]);

export const keepSchema = z.strictObject({
  last: z.number().int().min(0).optional(),
  hourly: z.number().int().min(0).optional(),
  daily: z.number().int().min(0).optional(),
  weekly: z.number().int().min(0).optional(),
  monthly: z.number().int().min(0).optional(),
  yearly: z.number().int().min(0).optional(),
});

export const backupSchema = z.strictObject({
  description: z.string().optional(),
  source: sourceSchema,
  repository: name(),
  schedule: cron().optional(),
  timezone: timezone().optional(),
  keep: keepSchema.optional(),
  rpo: duration().optional(),
  verify: z.strictObject({ schedule: cron().optional(), read_data: percent().optional() }).optional(),
  drill: z
    .strictObject({
      schedule: cron().optional(),
      into: drillTargetSchema.optional(),
      assert: z.array(drillAssertion).optional(),
      rto: duration().optional(),
    })
    .optional(),
});

export const backupsSchema = z.record(name(), backupSchema);
export const repositoriesSchema = z.record(
  name(),
  kinded('repository kind', repositoryKinds, { description: z.string().optional() }),
);
