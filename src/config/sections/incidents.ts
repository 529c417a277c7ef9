import { z } from 'zod';
import { count, duration, name, span, stringMap, timeout, timezone } from '../../schema/values.js';
import { DEFAULTS } from '../defaults.js';
import { mustacheTemplate } from './alerting.js';

/**
 * Who can be reached, on-call rotations, incidents with their response deadlines and escalation, and
 * the public status page. Glossary:
 * - person: someone an escalation can reach, through the notifiers that reach them.
 * - rotation: an on-call schedule; members take shifts in turn, handing off at a local time of day.
 * - escalation target: `person`, `notifier`, or `oncall:<rotation>` (whoever is on call when it runs);
 *   a bare name is a person when one has that name, else a notifier. `person:` and `notifier:` say which.
 * - escalation step: notify targets, wait, or repeat the chain from its start at most N more times.
 */

/** `ESCALATION_TARGET` is what an escalation's `notify` accepts. */
export const ESCALATION_TARGET = /^((person|notifier|oncall):)?[A-Za-z][A-Za-z0-9_-]*$/;

const target = () =>
  z
    .string({ error: 'expected a person, a notifier or oncall:<rotation>' })
    .regex(ESCALATION_TARGET, 'expected a person, a notifier or oncall:<rotation>');

export const peopleSchema = z
  .record(
    name(),
    z.strictObject({
      /** How the person is named in messages and reports; the key when omitted. */
      name: z.string().min(1).optional(),
      /** The notifiers that reach this person, all of them each time. */
      notify: z.array(name()).min(1),
    }),
  )
  .default({});

/** `09:00`: a local time of day. */
const timeOfDay = () =>
  z
    .string({ error: 'expected a time of day like 09:00' })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day like 09:00 (24-hour clock)');

const date = () =>
  z
    .string({ error: 'expected a date like 2026-01-05' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2026-01-05')
    // Date.parse rolls 2026-02-30 over to March: the date must come back as written.
    .refine(
      (text) => new Date(Date.parse(`${text}T00:00:00Z`) || 0).toISOString().startsWith(text),
      'expected a real date',
    );

const DAY_MS = 86_400_000;

/**
 * Why a shift length cannot make a rotation, or undefined when it can: hand-offs must fall at the same
 * local times every day, so a shift is whole days or divides one.
 */
export function shiftProblem(shiftMs: number): string | undefined {
  if (shiftMs > DAY_MS && shiftMs % DAY_MS !== 0)
    return 'expected whole days for a shift longer than a day (2d, 7d, 14d), so it hands off at the same local time';
  if (shiftMs < DAY_MS && DAY_MS % shiftMs !== 0)
    return 'expected a shift that divides 24h (1h, 2h, 3h, 4h, 6h, 8h or 12h), so hand-offs fall at the same local times each day';
  return undefined;
}

export const oncallSchema = z
  .record(
    name(),
    z
      .strictObject({
        /** People (keys of `people`) in the order they take shifts. */
        members: z.array(name()).min(1),
        /** How long one shift lasts: whole days hand off at `handoff` each time; shorter shifts divide a day. */
        shift: span(3_600_000).prefault(DEFAULTS.oncall.shift),
        /** The local time of day shifts hand off. */
        handoff: timeOfDay().default(DEFAULTS.oncall.handoff),
        timezone: timezone().default('UTC'),
        /** The local date the first member's first shift starts, at `handoff`. */
        start: date().default(DEFAULTS.oncall.start),
        description: z.string().optional(),
      })
      .superRefine((rotation, ctx) => {
        const problem = shiftProblem(rotation.shift);
        if (problem) ctx.addIssue({ code: 'custom', path: ['shift'], message: problem });
      }),
  )
  .default({});

const escalationStep = z.union(
  [
    target(),
    z.strictObject({ notify: z.union([target(), z.array(target()).min(1)]) }),
    z.strictObject({ wait: timeout() }),
    z.strictObject({ repeat: count(1).max(10, 'expected at most 10 repeats') }),
  ],
  { error: 'expected a target to notify, { notify: [...] }, { wait: 10m } or { repeat: 2 }' },
);

/** Which firing alerts open an incident: every key given must match (severity, labels). */
const openOn = z.strictObject({
  severity: z.union([name(), z.array(name()).min(1)]).optional(),
  /** Alert labels that must all be equal (`service`, `check`, `origin`, a rule's own labels). */
  labels: stringMap().optional(),
});

const severity = z.strictObject({
  /** Time to acknowledge; missing it starts the escalation. */
  respond_within: timeout(),
  /** The status-update cadence: an update is due this long after the last one. */
  update_every: timeout().optional(),
  /** Time to resolve. */
  resolve_within: timeout().optional(),
  /** The escalation chain, run step by step when a deadline is missed. */
  escalate: z.array(escalationStep).optional(),
  /** Notifiers that receive this severity's incident updates, beside `incidents.notify`. */
  notify: z.array(name()).optional(),
  description: z.string().optional(),
});

export const incidentsSchema = z.strictObject({
  /** Firing alerts that open an incident (one match is enough); none open one when omitted. */
  open_on: z.array(openOn).optional(),
  /** Notifiers that receive every posted update. */
  notify: z.array(name()).optional(),
  /** Severities, most severe first; runbook 002's four when omitted. */
  severities: z.record(name(), severity).optional(),
  /** The communication template for incident updates (Mustache; docs/incidents.md lists the fields). */
  template: mustacheTemplate().optional(),
});

export const statusPageSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().optional(),
  /** Services shown as components, in this order. */
  components: z.array(name()).min(1),
  /** Served without a token when true; otherwise it needs a viewer token. */
  public: z.boolean().default(false),
  /** A component none of whose checks reported for this long is stale; by default three check intervals. */
  stale_after: duration({ min: 1_000 }).optional(),
  /** Days of uptime shown per component. */
  uptime_days: count(1).max(366).default(90),
});
