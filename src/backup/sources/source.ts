import type { z } from 'zod';
import type { PluginDefinition } from '../../config/plugin.js';
import type { Dump } from '../dump.js';
import type { RestoreTarget } from '../restore-target.js';

/** What a source is given: the stack file's directory (paths are relative to it) and a stop signal. */
export interface SourceContext {
  baseDir: string;
  signal?: AbortSignal;
}

/**
 * A backup source: what it dumps (`options`), how, and where its snapshots can go back: a drill's
 * scratch target (`target`, the `into:` of a drill) or a restore target (`--to`, or the original).
 */
export interface BackupSourceDefinition<O extends z.ZodType = z.ZodType, T extends z.ZodType = z.ZodType>
  extends PluginDefinition {
  options: O;
  target: T;
  dump(options: z.output<O>, ctx: SourceContext): Promise<Dump>;
  /** A scratch target for a drill: a new, uniquely named database, or a temp directory or file. */
  scratch(options: z.output<O>, into: z.output<T> | undefined, ctx: SourceContext): Promise<RestoreTarget>;
  /**
   * Drops scratch targets earlier drills left on the drill's server when they were killed mid-restore,
   * made more than `olderThanMs` ago; returns their names. Absent where scratch space cleans itself
   * (temp directories).
   */
  sweepScratch?(options: z.output<O>, into: z.output<T> | undefined, olderThanMs: number): Promise<string[]>;
  /**
   * `to` names an alternate target (a database name or URL, a path: relative to the stack file's
   * directory, like every path in it); undefined is the original.
   */
  restoreTarget(options: z.output<O>, to: string | undefined, ctx: SourceContext): Promise<RestoreTarget>;
}

/** Checks a source's methods against its own option and target schemas. */
export function defineSource<O extends z.ZodType, T extends z.ZodType>(
  definition: BackupSourceDefinition<O, T>,
): BackupSourceDefinition<O, T> {
  return definition;
}
