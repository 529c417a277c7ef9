import type { PluginDefinition } from '../../config/plugin.js';
import { localRepository } from './local.js';
import { resticRepository } from './restic.js';

/** A repository kind: where snapshots are kept. Reading and writing arrive with backups. */
export type RepositoryKindDefinition = PluginDefinition;

/** Every repository kind, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const repositoryKinds = {
  local: localRepository,
  restic: resticRepository,
} as const satisfies Record<string, RepositoryKindDefinition>;

export type RepositoryKind = keyof typeof repositoryKinds;
