import type { z } from 'zod';
import type { PluginDefinition } from '../../config/plugin.js';
import type { BackupRepository, RepositoryContext } from '../repository.js';

/** A repository kind: where snapshots are kept, and how to open one from its options. */
export interface RepositoryKindDefinition<O extends z.ZodType = z.ZodType> extends PluginDefinition {
  options: O;
  open(options: z.output<O>, ctx: RepositoryContext): BackupRepository;
}

/** Checks a kind's `open` against its own option schema. */
export function defineRepositoryKind<O extends z.ZodType>(
  definition: RepositoryKindDefinition<O>,
): RepositoryKindDefinition<O> {
  return definition;
}
