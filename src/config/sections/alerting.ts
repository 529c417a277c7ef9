import { z } from 'zod';
import { notifierKinds } from '../../notifiers/registry.js';
import { kinded, optionsOf } from '../plugin.js';
import { cron, dateTime, duration, name, timezone } from '../values.js';

export const rulesSchema = z
  .record(
    name(),
    z.strictObject({
      /** The rules language (p95, failure_rate, ...) arrives with alerting; references are checked now. */
      when: z.string().min(1),
      /** How long the expression must hold before the alert fires. */
      for: duration().optional(),
      severity: name().optional(),
      notify: z.array(name()).optional(),
      labels: z.record(z.string(), z.string()).optional(),
      description: z.string().optional(),
    }),
  )
  .default({});

export const notifiersSchema = z
  .record(
    name(),
    kinded('notifier kind', optionsOf(notifierKinds), {
      description: z.string().optional(),
      /** Only alerts of these severities go to this notifier; all when omitted. */
      severities: z.array(name()).optional(),
    }),
  )
  .default({});

export const maintenanceSchema = z
  .array(
    z
      .strictObject({
        name: name(),
        /** A recurring window starts on this cron schedule ... */
        schedule: cron().optional(),
        /** ... or a one-off window at this date and time. */
        at: dateTime().optional(),
        duration: duration(),
        timezone: timezone().optional(),
        /** Checks of these services are paused; the whole stack when omitted. */
        services: z.array(name()).optional(),
        description: z.string().optional(),
      })
      .superRefine((w, ctx) => {
        if ((w.schedule === undefined) === (w.at === undefined))
          ctx.addIssue({
            code: 'custom',
            message: 'expected either schedule (a cron expression) or at (a date and time)',
            params: { got: false, at: 'key' },
          });
      }),
  )
  .default([]);

export const incidentsSchema = z.strictObject({
  severities: z
    .record(
      name(),
      z.strictObject({
        respond_within: duration(),
        /** People or roles to escalate to when nobody responds in time, in order. */
        escalate: z.array(z.string().min(1)).optional(),
        notify: z.array(name()).optional(),
        description: z.string().optional(),
      }),
    )
    .optional(),
  /** The communication template for incident updates; {service}, {severity}, {status}... are filled in. */
  template: z.string().optional(),
});

export const statusPageSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().optional(),
  components: z.array(name()).min(1),
  public: z.boolean().default(false),
});
