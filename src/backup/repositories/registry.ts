import { localRepository } from './local.js';
import { resticRepository } from './restic.js';

/** Every repository kind, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const repositoryKinds = {
  local: localRepository,
  restic: resticRepository,
} as const;
