import type { Readable } from 'node:stream';

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
