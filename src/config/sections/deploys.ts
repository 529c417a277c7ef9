import { z } from 'zod';
import { kinded, optionsOf } from '../../schema/plugin.js';
import { checkRef, commandLine, count, name, span, timeout } from '../../schema/values.js';
import { DEFAULTS } from '../defaults.js';
import { type DeployGateDefinition, gateKinds } from './deploy-gates.js';

const gates: Readonly<Record<string, DeployGateDefinition>> = gateKinds;

/*
 * Glossary.
 * - by image: the service runs containers; `dayshift deploy --image` pins a repository digest and the
 *   driver applies it (its driver says `deploysImages`).
 * - by ref: the service runs from a git work tree (`repo:`); `dayshift deploy --ref` checks the tree
 *   out at the ref's commit, runs `steps:` in it, and restarts the service through its driver.
 * - migrating release: one whose deploy says `migrates: true`; its pre-deploy backup is bound to it, and
 *   a rollback past it restores that backup (`restore:` says whether an operator approves first).
 */

const gateObject = kinded('deploy gate', optionsOf(gateKinds), {
  /** Only for a gate that declares `freshness`: something newer than this meets it. */
  max_age: span(1).optional().describe('a backup newer than this meets the gate; else one is taken'),
}).superRefine((gate, ctx) => {
  if (gate.max_age === undefined || gates[gate.kind]?.freshness) return;
  const fresh = Object.values(gates)
    .filter((kind) => kind.freshness)
    .map((kind) => `{ ${kind.kind}: <name>, max_age: 1h }`);
  ctx.addIssue({
    code: 'custom',
    path: ['max_age'],
    message: `a ${gate.kind} gate takes no max_age: only a gate met by something recent enough does`,
    params: { at: 'key', got: false, hint: `remove max_age; it bounds ${fresh.join(', ')}` },
  });
});
/** `env` alone is short for `{ env: true }`. */
const deployGate = z.union([z.literal('env').transform(() => gateObject.parse({ env: true })), gateObject]);

/** What a deploy by ref runs in its work tree after the checkout: a shell command, or one with a name and timeout. */
const deployStep = z
  .union([
    z.string().min(1),
    z.strictObject({
      run: commandLine(),
      name: z.string().min(1).optional().describe('how the step is shown; the command when absent'),
      timeout: timeout().optional().describe(`the longest it may run (${DEFAULTS.deploy.stepTimeout})`),
    }),
  ])
  .transform((step) => {
    const spec = typeof step === 'string' ? { run: step } : step;
    const shown = typeof spec.run === 'string' ? spec.run : spec.run.join(' ');
    return {
      run: spec.run,
      name: spec.name ?? shown,
      ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
    };
  });

const DIGEST = /^([^\s@]+@)?sha256:[0-9a-f]{64}$/;

/** One `deploys:` entry, keyed by its service: a deploy by image, or by ref when it has `repo:`. */
export const deployEntry = z
  .strictObject({
    /** The image repository; `dayshift deploy --image` gives the tag or digest. */
    image: z.string().min(1).optional(),
    /** Refuse deploys by tag: only `@sha256:` digests, which cannot move. */
    require_digest: z.boolean().default(false),
    /** Digests known to work: where a rollback goes when no known-good release is recorded yet. */
    known_good: z
      .array(z.string().regex(DIGEST, 'expected an image digest like sha256:<64 hex digits>'))
      .optional(),
    /** The git work tree a deploy by ref checks out, relative to the stack file's folder. */
    repo: z.string().min(1).optional().describe('a git work tree to deploy by ref (`deploy --ref`)'),
    /** Run in the work tree after the checkout, in order; the first that fails stops the deploy. */
    steps: z.array(deployStep).min(1).optional(),
    /** `git fetch --tags --prune --force` in the work tree before the ref is resolved. */
    fetch: z.boolean().default(false),
    /** The release changes the database schema: its pre-deploy backup is bound to it. */
    migrates: z.boolean().default(false),
    /** On a rollback past a migrating release: restore its bound backup at once, or after an approval. */
    restore: z.enum(['auto', 'approve']).default(DEFAULTS.deploy.restore),
    before: z.array(deployGate).default([]),
    verify: z
      .strictObject({
        healthy_within: timeout().prefault(DEFAULTS.deploy.healthyWithin),
        smoke: name().optional(),
        checks: z.array(checkRef()).optional(),
      })
      .prefault({}),
    rollback: z.enum(['auto', 'manual']).default('auto'),
    keep_releases: count(1).default(DEFAULTS.deploy.keepReleases),
    /** Alert when what the service runs is not its live release (someone deployed by hand). */
    alert_on_drift: z.boolean().default(false),
  })
  .superRefine((deploy, ctx) => {
    // What the entry says by itself; what needs the services (drivers) and backups is in deploy-checks.ts.
    if (deploy.steps !== undefined && deploy.repo === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['steps'],
        message: '`steps:` run in the work tree of a deploy by ref, and this deploy has no `repo:`',
        params: {
          at: 'key',
          got: false,
          hint: 'add `repo: <path of the git work tree>` to deploy by ref, or remove `steps:` to deploy by image',
        },
      });
    if (deploy.fetch && deploy.repo === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['fetch'],
        message: '`fetch:` fetches into the work tree of a deploy by ref, and this deploy has no `repo:`',
        params: {
          at: 'key',
          got: false,
          hint: 'add `repo: <path of the git work tree>`, or remove `fetch:`',
        },
      });
    if (deploy.repo !== undefined && deploy.image !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['repo'],
        message: 'a deploy is by image (`image:`) or by ref (`repo:`), not both',
        params: {
          at: 'key',
          got: false,
          hint: 'remove `image:` to deploy a git ref with `steps:`, or `repo:` to deploy container images',
        },
      });
  });

/** A service's deploy as loaded: durations in milliseconds, each step `{ run, name, timeout? }`. */
export type DeployDefinition = z.output<typeof deployEntry>;
/** A deploy step as loaded. */
export type DeployStep = NonNullable<DeployDefinition['steps']>[number];

export const deploysSchema = z.record(name(), deployEntry).default({});
