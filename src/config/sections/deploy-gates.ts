import { z } from 'zod';
import type { PluginDefinition } from '../../schema/plugin.js';
import type { Referring } from '../../schema/references.js';
import { checkRef, name } from '../../schema/values.js';

/** A `deploys.<service>.before:` gate: what must hold before a deploy, and what its option names. */
export interface DeployGateDefinition<Options = unknown> extends PluginDefinition, Referring<Options> {
  /**
   * Whether something recent enough meets it (`max_age:` beside the kind key): a backup newer than the
   * bound is used instead of taking one. A gate without it refuses `max_age:`.
   */
  freshness?: boolean;
}

/** Every deploy gate, by the key that selects it; each declares what it refers to, as step kinds do. */
export const gateKinds = {
  env: {
    kind: 'env',
    description: 'the environment contract holds',
    options: z.literal(true),
    references: () => [],
  } satisfies DeployGateDefinition<true>,
  backup: {
    kind: 'backup',
    description: 'a backup completes first, or one newer than `max_age` is used',
    options: name(),
    freshness: true,
    references: (backup) => [{ to: 'backup', name: backup, at: [] }],
  } satisfies DeployGateDefinition<string>,
  smoke: {
    kind: 'smoke',
    description: 'a smoke suite passes first',
    options: name(),
    references: (suite) => [{ to: 'smoke', name: suite, at: [] }],
  } satisfies DeployGateDefinition<string>,
  runbook: {
    kind: 'runbook',
    description: 'a runbook completes first',
    options: name(),
    references: (runbook) => [{ to: 'runbook', name: runbook, at: [] }],
  } satisfies DeployGateDefinition<string>,
  check: {
    kind: 'check',
    description: 'a check passes first',
    options: checkRef(),
    references: (ref) => [{ to: 'checks', name: ref, at: [] }],
  } satisfies DeployGateDefinition<string>,
  approve: {
    kind: 'approve',
    description: 'an operator approves first',
    options: z.string().min(1),
    references: () => [],
  } satisfies DeployGateDefinition<string>,
} as const satisfies Record<string, DeployGateDefinition>;
