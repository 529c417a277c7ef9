import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { DayshiftError } from '../../errors.js';
import type { PluginDefinition } from '../../schema/plugin.js';

/** What a source is given: the stack file's directory (paths are relative to it) and a stop signal. */
export interface SourceContext {
  baseDir: string;
  signal?: AbortSignal;
}

/**
 * What a restore's `to` names for a source, so that one rule (restore-confinement.ts) confines the
 * targets of every source without knowing any by name:
 * - `path`: a directory or a file, relative to the stack file's directory, confined to it and to
 *   `restore.allowed_paths`. `nameOf`, when given, lets a bare name (no `/` or `.`) name another thing
 *   of the kind the source backs up (a Docker volume): allowed when some backup of this kind names it.
 * - `database`: a database name on the source's own server, or a URL without credentials on a server
 *   the stack file names (`schemes`, and `defaultPort` when the URL has none); `urlOf` is the source's
 *   own connection URL.
 */
export type RestoreToSpec<O> =
  | { kind: 'path'; nameOf?: (options: O) => string }
  | {
      kind: 'database';
      schemes: readonly string[];
      defaultPort: number;
      urlOf: (options: O) => string;
    };

/** A `to` the confinement allowed, resolved: what a source's restoreTarget receives. */
export type ConfinedTo =
  | {
      kind: 'path';
      /** Absolute, with `..` and symlinks resolved. */
      path: string;
      /** Throws when the path no longer resolves to itself (a symlink planted since it was checked). */
      recheck(): void;
    }
  | { kind: 'name'; name: string }
  | {
      kind: 'database';
      /** A configured connection URL of the target's server (its credentials are the stack file's). */
      serverUrl: string;
      database: string;
    };

/**
 * A backup source: what it dumps (`options`), how, and where its snapshots can go back: a drill's
 * scratch target (`target`, the `into:` of a drill) or a restore target (`--to`, or the original).
 */
export interface BackupSourceDefinition<O extends z.ZodType = z.ZodType, T extends z.ZodType = z.ZodType>
  extends PluginDefinition {
  options: O;
  target: T;
  /** What `to` means for this source. */
  restoreTo: RestoreToSpec<z.output<O>>;
  /** The drill assertions a restore of this source can run; `validate` refuses the others. */
  drillAssertions: readonly DrillAssertionKind[];
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
   * The target a restore writes to: `to` as the confinement resolved it (restoreTo says what kind it
   * is), or undefined for the original.
   */
  restoreTarget(options: z.output<O>, to: ConfinedTo | undefined, ctx: SourceContext): Promise<RestoreTarget>;
}

/** The kinds of drill assertion (`drill.assert:`), each judged on the restored copy. */
export type DrillAssertionKind = 'sql' | 'command' | 'exists' | 'row_counts' | 'checksums';

/** Checks a source's methods against its own option and target schemas. */
export function defineSource<O extends z.ZodType, T extends z.ZodType>(
  definition: BackupSourceDefinition<O, T>,
): BackupSourceDefinition<O, T> {
  return definition;
}

/** A `to` of a kind the source did not declare: a bug, since the confinement follows `restoreTo`. */
export function unexpectedTo(kind: string, to: ConfinedTo): never {
  throw new DayshiftError('INTERNAL', `a ${kind} source was given a ${to.kind} restore target`);
}

/**
 * Where a snapshot is restored: a new database, a directory, a file, or the original itself. A drill
 * gets a scratch target (a uniquely named database, a temp directory) and disposes of it afterwards,
 * even when the drill fails; a restore target is the user's and is left in place.
 */
export interface RestoreTarget {
  /** What it is, for messages and run records, never with a password: "database x on 127.0.0.1:5432". */
  readonly description: string;
  /** True when it already holds data: restoring over it needs `--force`. */
  occupied(): Promise<boolean>;
  /** Restores one snapshot stream into it. `over` is true when it replaces what the target holds. */
  restore(stream: Readable, options: { over: boolean; signal?: AbortSignal }): Promise<void>;
  /** An `sql:` assertion: the first column of the first row of the query. */
  query?(sql: string): Promise<unknown>;
  /** Rows per table, named as the source's manifest names them. */
  rowCounts?(): Promise<Record<string, number>>;
  /** The restored tree, for `exists:`, `command:` and `checksums:`. */
  readonly directory?: string;
  /** Drops a scratch database or removes a temp directory; nothing for a user's target. */
  dispose(): Promise<void>;
}

/**
 * What a source's dump gives: named streams for the repository, and a promise that settles when the
 * dump tool has exited: with what to record in the manifest (tool version, row counts), or with the
 * reason it failed. A snapshot is committed only when both the streams and this promise succeed.
 *
 * `finished` settles only once everything the dump opened is released (clients, transactions, child
 * processes, temp files), and it must settle once the source's signal aborts or its streams are
 * destroyed: that is how a failed backup gets its resources back (see releaseDump).
 */
export interface Dump {
  /**
   * `compressed` marks a stream the tool already compressed (pg_dump's custom format): a repository
   * stores it as it is rather than spend a core compressing it again for nothing.
   */
  streams: Array<{ name: string; stream: Readable; compressed?: boolean }>;
  finished: Promise<Record<string, unknown>>;
}
