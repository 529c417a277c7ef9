import { z } from 'zod';
import { checkKinds } from '../../checks/registry.js';
import { readsOf } from '../../conditions/index.js';
import { kinded, optionsOf, type PluginDefinition } from '../../schema/plugin.js';
import type { Referring } from '../../schema/references.js';
import { isSecret } from '../../schema/secret.js';
import { checkRef, count, name, regex, timeout } from '../../schema/values.js';
import { expectation } from '../condition-schema.js';
import { DEFAULTS } from '../defaults.js';

/** Where a smoke step finds a value to carry to later steps (a session cookie, a CSRF token, an id). */
const captureSource = z.union([
  z.strictObject({ cookie: z.string().min(1).describe('a cookie the response set') }),
  z.strictObject({ json: z.string().min(1).describe('a JSON path in the body: data.token, items[0].id') }),
  z.strictObject({ header: z.string().min(1).describe('a response header') }),
  z.strictObject({
    body: regex().describe('a regular expression over the body; its first group is the value'),
  }),
]);

/**
 * `check: web.health` in a smoke suite: run one check the file defines now, held to the step's
 * `expect` when it has one (a bare service is refused: a step runs one check).
 */
const smokeCheckStep = {
  kind: 'check',
  description: 'run a check the file defines (service.check)',
  options: checkRef(),
  references: (ref) => [{ to: 'check', name: ref, at: [] }],
} satisfies PluginDefinition & Referring<string>;

/**
 * What a smoke step may hold: a check of any kind, run once, or `check:`. Each kind that names
 * something declares it (`references`), as step kinds do.
 */
export const smokeStepKinds = { ...checkKinds, check: smokeCheckStep };

const smokeStep = kinded('check kind', optionsOf(smokeStepKinds), {
  name: z.string().optional(),
  expect: z.array(expectation({ suite: true })).default([]),
  timeout: timeout().optional(),
  description: z.string().optional(),
  /** Values later steps use as `{{ name }}` in their options. */
  capture: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name'), captureSource)
    .optional(),
});

/** `{{ name }}` in a step's options: a value an earlier step captured (`${...}` is the environment's). */
export const CAPTURE_REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Every `{{ name }}` and `[CONTEXT].name` must be captured by an earlier step of the same suite, or it
 * is a load error there. A step's own captures are taken after its conditions, as in Gatus's suites.
 */
const smokeSuite = z
  .array(smokeStep)
  .min(1)
  .superRefine((steps, ctx) => {
    const captured = new Set<string>();
    steps.forEach((step, index) => {
      for (const { path, name } of references(step.options))
        if (!captured.has(name))
          ctx.addIssue({
            code: 'custom',
            // Reported where it is written: under the step's kind key.
            path: [index, step.kind, ...path],
            message: `no earlier step of this suite captures ${name}, which is used here as {{ ${name} }}`,
            params: { got: false },
          });
      step.expect.forEach((condition, i) => {
        for (const read of readsOf(condition.expr))
          if (read.type === 'context' && !captured.has(read.name))
            ctx.addIssue({
              code: 'custom',
              path: [index, 'expect', i, ...(condition.severity === 'warn' ? ['warn'] : [])],
              message: `no earlier step of this suite captures ${read.name}, which this condition reads as [CONTEXT].${read.name}`,
              params: {
                got: false,
                hint: `capture it in an earlier step: capture: { ${read.name}: { json: <path> } }`,
              },
            });
      });
      for (const name of Object.keys(step.capture ?? {})) captured.add(name);
    });
  });

function references(
  value: unknown,
  path: Array<string | number> = [],
): Array<{ path: Array<string | number>; name: string }> {
  if (isSecret(value)) return references(value.reveal(), path);
  if (typeof value === 'string')
    return [...value.matchAll(CAPTURE_REFERENCE)].map((m) => ({ path, name: m[1] as string }));
  if (Array.isArray(value)) return value.flatMap((v, i) => references(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => references(v, [...path, k]));
  return [];
}

export const smokeSchema = z.record(name(), smokeSuite).default({});

/** The environment contract: what each variable must be before a deploy (`dayshift env check`). */
export const envSchema = z.strictObject({
  file: z.string().min(1).default(DEFAULTS.envFile),
  vars: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
      z.strictObject({
        required: z.boolean().default(true),
        /** A flag: the variable's value is never printed, only whether it passes. */
        secret: z.boolean().default(false),
        equals: z.string().optional(),
        one_of: z.array(z.string()).min(1).optional(),
        pattern: regex().optional(),
        min: z.number().optional(),
        max: z.number().optional(),
        min_length: count().optional(),
        /** For secrets: the least estimated entropy (Shannon bits per character × length); default 64. */
        min_entropy_bits: count().optional(),
        url: z.boolean().optional(),
        https: z.boolean().optional(),
        description: z.string().optional(),
      }),
    )
    .default({}),
});
