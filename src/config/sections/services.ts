import { z } from 'zod';
import { checkKinds, isPushed } from '../../checks/registry.js';
import { driverKinds } from '../../drivers/registry.js';
import { kinded, optionsOf } from '../../schema/plugin.js';
import { count, duration, interval, name, span, timeout } from '../../schema/values.js';
import { expectation } from '../condition-schema.js';
import { DEFAULTS } from '../defaults.js';
import { alertLabels } from './alert-labels.js';

const d = DEFAULTS.check;

/** Keys every check has beside its kind: Docker's healthcheck timing plus routing. */
export const checkCommon = {
  expect: z.array(expectation()).default([]),
  every: interval().prefault(d.every),
  /** Defaults to 10s, or to `every` when that is shorter. */
  timeout: timeout().optional(),
  /** Defaults to 3, or to 1 for a pushed check (heartbeat), whose grace is its tolerance. */
  retries: count(1)
    .optional()
    .describe(
      `consecutive failures before the check is unhealthy (default ${d.retries}; 1 for a heartbeat, whose grace is its tolerance)`,
    ),
  start_period: duration()
    .prefault(d.startPeriod)
    .describe('failures in this window after start do not count'),
  recover: count(1).default(d.recover).describe('consecutive successes before it is healthy again'),
  severity: name().optional().describe('the severity of the alert raised when the check turns unhealthy'),
  notify: z.array(name()).optional(),
  /** Remind every this long while its alert fires unacknowledged; `alerting.repeat` by default. */
  repeat: duration().optional(),
  labels: alertLabels().optional(),
  description: z.string().optional(),
};

/**
 * A check's timeout defaults to 10s, or to `every` when that is shorter; check-timing.ts refuses a
 * longer one. A heartbeat's retries default to 1: it is judged when its deadline comes, and one late
 * verdict is the missed run.
 */
export const checkSchema = kinded('check kind', optionsOf(checkKinds), checkCommon).transform((check) => ({
  ...check,
  timeout: check.timeout ?? Math.min(10_000, check.every),
  retries: check.retries ?? (isPushed(check.kind) ? 1 : d.retries),
}));

const driverNames = Object.keys(driverKinds) as [keyof typeof driverKinds, ...(keyof typeof driverKinds)[]];
const driverObject = kinded('driver', optionsOf(driverKinds), {});

/**
 * `driver:` is a driver's name with its defaults (`none`, `compose`) or an object with one driver key
 * and its settings (`{ systemd: { unit: app.service } }`).
 */
export const driverSchema = z.union([
  z.enum(driverNames).transform((kind) => driverObject.parse({ [kind]: {} })),
  driverObject,
]);

const keep = DEFAULTS.evidence.logsBeforeActing;

/**
 * The logs kept as evidence before a restart, stop, rebuild or redeploy of the service: how far back,
 * and how much of them a run keeps (at most the 256 KiB any item of evidence keeps).
 */
export const logsBeforeActingSchema = z
  .strictObject({
    since: span(1)
      .prefault(keep.since)
      .describe('how far back the logs kept reach, where the driver can tell'),
    max_bytes: count(1024)
      .max(keep.maxBytes, `expected at most ${keep.maxBytes} (256 KiB), what a run keeps of one item`)
      .default(keep.maxBytes)
      .describe('the most of them a run keeps; the rest is cut, and its size and SHA-256 are kept'),
  })
  .prefault({});

export const serviceSchema = z.strictObject({
  description: z.string().optional(),
  /** Without one, the service uses `runtime:`, or no driver at all. */
  driver: driverSchema.optional(),
  checks: z.record(name(), checkSchema).default({}),
  logs_before_acting: logsBeforeActingSchema.describe(
    'the logs kept as evidence of the run before a restart, stop, rebuild or redeploy',
  ),
});

export const servicesSchema = z.record(name(), serviceSchema).default({});
export const runtimeSchema = driverSchema;
