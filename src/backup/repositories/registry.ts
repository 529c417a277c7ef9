import { DayshiftError } from '../../errors.js';
import { localRepository } from './local/index.js';
import { resticRepository } from './restic/index.js';
import type { RepositoryKindDefinition } from './types.js';

/** Every repository kind, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const repositoryKinds = {
  local: localRepository,
  restic: resticRepository,
} as const satisfies Record<string, RepositoryKindDefinition>;

export type RepositoryKind = keyof typeof repositoryKinds;

export function repositoryKindOf(kind: string): RepositoryKindDefinition {
  const definition = (repositoryKinds as Record<string, RepositoryKindDefinition>)[kind];
  // Validation refuses a kind that is not here, so only a bug gets this far.
  if (!definition) throw new DayshiftError('INTERNAL', `unknown repository kind ${kind}`);
  return definition;
}
