import { z } from 'zod';
import { readsOf } from '../../conditions/index.js';
import { kinded, optionsOf } from '../../schema/plugin.js';
import { count, cron, duration, name, regex, timeout } from '../../schema/values.js';
import { stepKinds } from '../../steps/registry.js';
import { whenCondition } from '../condition-schema.js';
import { DEFAULTS } from '../defaults.js';

const d = DEFAULTS.runbook;

/**
 * One typed parameter of a runbook: `dayshift run worker-stuck --param replicas=3`. A parameter without
 * a default must be given; each value is checked against the parameter's type and bounds before the
 * run opens, so a typo never reaches a step.
 */
const paramSchema = z
  .strictObject({
    type: z.enum(['string', 'number', 'boolean']).default('string'),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    description: z.string().optional(),
    one_of: z
      .array(z.union([z.string(), z.number()]))
      .min(1)
      .optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    pattern: regex().optional(),
  })
  .superRefine((param, ctx) => {
    if (param.default !== undefined && typeof param.default !== param.type)
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: `the default must be a ${param.type}, like the parameter`,
      });
    if ((param.min !== undefined || param.max !== undefined) && param.type !== 'number')
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'min and max bound a number parameter only' });
  });

export type RunbookParam = z.output<typeof paramSchema>;

/** What starts a runbook by itself: an alert that fires (by key, or by labels), or a schedule. */
const triggerSchema = z.union([
  z.strictObject({
    alert: z
      .union([
        z.string().min(1).describe('an alert key such as check:worker.backlog; * matches any text'),
        z.strictObject({
          labels: z.record(z.string().min(1), z.string()).describe('labels the alert must all carry'),
        }),
      ])
      .describe('run when an alert that matches fires'),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  }),
  z.strictObject({
    schedule: cron().describe('run on this cron schedule'),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  }),
]);

export type RunbookTrigger = z.output<typeof triggerSchema>;

const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const stepSchema = kinded('step kind', optionsOf(stepKinds), {
  /** How `steps.<name>` reads it in a later `when:`, and how the run shows it; the kind by default. */
  name: z.string().regex(STEP_NAME, 'expected a step name of letters, digits, - and _').optional(),
  timeout: timeout().optional(),
  continue_on_error: z.boolean().default(false),
  retries: count().default(0).describe('run the step again this many times when it fails'),
  retry_delay: duration().prefault(d.retryDelay).describe('the pause before each retry'),
  when: whenCondition().optional(),
});

export type RunbookStep = z.output<typeof stepSchema>;

/** A step's name in the run and in `steps.<name>`: its own, or its kind (the second `restart` is `restart-2`). */
export function stepNames(steps: readonly { kind: string; name?: string }[]): string[] {
  const seen = new Map<string, number>();
  return steps.map((step) => {
    if (step.name) return step.name;
    const n = (seen.get(step.kind) ?? 0) + 1;
    seen.set(step.kind, n);
    return n === 1 ? step.kind : `${step.kind}-${n}`;
  });
}

/** Each `when:` reads only declared parameters and steps written before it. */
function checkWhenReads(
  runbook: {
    params: Record<string, unknown>;
    steps: RunbookStep[];
    on_failure: RunbookStep[];
    on?: RunbookTrigger[];
  },
  ctx: z.RefinementCtx,
): void {
  const visit = (steps: RunbookStep[], key: 'steps' | 'on_failure', before: string[]) => {
    const names = stepNames(steps);
    steps.forEach((step, i) => {
      for (const read of step.when ? readsOf(step.when.expr) : []) {
        if (read.type !== 'run') continue;
        const known =
          read.scope === 'params' ? Object.keys(runbook.params) : [...before, ...names.slice(0, i)];
        if (known.includes(read.name)) continue;
        ctx.addIssue({
          code: 'custom',
          path: [key, i, 'when'],
          message:
            read.scope === 'params'
              ? `this runbook has no parameter ${read.name}`
              : `no step before this one is named ${read.name}`,
          params: {
            hint: known.length > 0 ? `it can read: ${known.join(', ')}` : `declare it under params:`,
          },
        });
      }
    });
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate)
      ctx.addIssue({
        code: 'custom',
        path: [key, names.lastIndexOf(duplicate), 'name'],
        message: `two steps are named ${duplicate}; a later when: could not tell them apart`,
      });
  };
  (runbook.on ?? []).forEach((trigger, i) => {
    for (const param of Object.keys(trigger.params ?? {}))
      if (!Object.hasOwn(runbook.params, param))
        ctx.addIssue({
          code: 'custom',
          path: ['on', i, 'params', param],
          message: `this runbook has no parameter ${param}`,
          params: { hint: 'declare it under params:' },
        });
  });
  visit(runbook.steps, 'steps', []);
  visit(runbook.on_failure, 'on_failure', stepNames(runbook.steps));
}

const runbookSchema = z
  .strictObject({
    description: z.string().optional(),
    params: z.record(z.string().regex(STEP_NAME, 'expected a parameter name'), paramSchema).default({}),
    steps: z.array(stepSchema).min(1),
    on_failure: z.array(stepSchema).default([]).describe('steps run when a step fails the run'),
    on: z
      .union([triggerSchema, z.array(triggerSchema).min(1)])
      .transform((t) => (Array.isArray(t) ? t : [t]))
      .optional(),
    concurrency: count(1).default(1).describe('runs of this runbook at once; another is refused'),
    max_runs: count(1)
      .optional()
      .describe('at most this many runs start in any hour; more are refused (a remediation loop stops)'),
    timeout: timeout().prefault(d.timeout).describe('the longest the whole run may take'),
  })
  .superRefine(checkWhenReads);

export type RunbookDefinition = z.output<typeof runbookSchema>;

export const runbooksSchema = z.record(name(), runbookSchema).default({});
