import { z } from 'zod';
import { notifierKinds } from '../../notifiers/registry.js';
import { checkTemplate } from '../../notifiers/shared/templates.js';
import { kinded, optionsOf } from '../../schema/plugin.js';
import { count, cron, dateTime, duration, interval, name, span, timezone } from '../../schema/values.js';
import { DEFAULTS } from '../defaults.js';
import { ruleExpression } from '../rule-schema.js';
import { alertLabels } from './alert-labels.js';

/** A Mustache template, checked when the file loads. */
export const mustacheTemplate = () =>
  z.string().superRefine((text, ctx) => {
    const problem = checkTemplate(text);
    if (problem) ctx.addIssue({ code: 'custom', message: `bad template: ${problem}` });
  });

export const rulesSchema = z
  .record(
    name(),
    z.strictObject({
      /** An expression over check history (docs/rules.md), parsed when the file loads. */
      when: ruleExpression(),
      /** How long the expression must hold before the alert fires. */
      for: duration().optional(),
      severity: name().optional(),
      notify: z.array(name()).optional(),
      /** Remind every this long while the alert fires and nobody acknowledged it; `alerting.repeat` by default. */
      repeat: duration().optional(),
      labels: alertLabels().optional(),
      description: z.string().optional(),
    }),
  )
  .default({});

const a = DEFAULTS.alerting;

/** How alerts behave where a check or rule does not say: reminders, grouping, flap damping, fallback. */
export const alertingSchema = z
  .strictObject({
    /** How often `rules:` are evaluated. */
    evaluate_every: interval().prefault(a.evaluateEvery),
    /** Reminders while an alert fires unacknowledged; `0s` sends none. */
    repeat: duration().prefault(a.repeat),
    /** At most one message per notifier per interval; what fires meanwhile goes out as one digest. */
    group_interval: duration().prefault(a.groupInterval),
    /** A check that changes state more than `changes` times within `window` is held as one flapping alert. */
    flapping: z
      .strictObject({
        changes: count(2).default(a.flapping.changes),
        window: duration().prefault(a.flapping.window),
      })
      .prefault({}),
    /** Where an alert goes when its notifiers' deliveries finally fail. */
    fallback: name().optional(),
    /** Notifiers for checks and rules that name none; every notifier when omitted. */
    notify: z.array(name()).optional(),
  })
  .prefault({});

export const notifiersSchema = z
  .record(
    name(),
    kinded('notifier kind', optionsOf(notifierKinds), {
      description: z.string().optional(),
      /** Only alerts of these severities go to this notifier; all when omitted. */
      severities: z.array(name()).optional(),
      /** This notifier's grouping interval, when it differs from `alerting.group_interval`. */
      group_interval: duration().optional(),
      /** Mustache templates for the message, replacing the defaults; see docs/alerts.md for the fields. */
      template: z
        .strictObject({
          title: mustacheTemplate().optional(),
          text: mustacheTemplate().optional(),
          html: mustacheTemplate().optional(),
        })
        .optional(),
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
        duration: span(1),
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
