import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { PluginDefinition } from '../../schema/plugin.js';
import type { Database } from '../../store/schema.js';
import type { Clock } from '../../util/clock.js';
import type { Dump } from '../sources/types.js';

export type { Dump };

/** One stream of a snapshot as the source produced it. */
export interface SnapshotEntry {
  name: string;
  size: number;
  sha256: string;
}

/** A whole snapshot, as every repository kind describes it: only whole snapshots are ever listed. */
export interface Snapshot {
  id: string;
  backup: string;
  createdAt: string;
  durationMs: number;
  entries: SnapshotEntry[];
  /** What the source recorded: its kind, tool versions, row counts, files... */
  source: Record<string, unknown>;
  /**
   * The run that took it, written with the snapshot before it is committed: a retry after a crash
   * finds the snapshot its killed attempt committed by this, instead of taking a second one.
   */
  run?: number;
}

/** What `store` is told besides the dump: a stop signal, and the run taking the snapshot. */
export interface StoreOptions {
  signal?: AbortSignal;
  run?: number;
}

export interface VerifyProblem {
  /** The stream, file or blob that is damaged. */
  entry: string;
  /** Where it is stored, when the repository can say. */
  file?: string;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  problems: VerifyProblem[];
  /** What the check covered, in words: "2 streams re-hashed", "restic check, 5% of data". */
  scope: string;
}

/**
 * Where a backup's snapshots are kept. `store` commits a snapshot only when every stream was stored and
 * the dump tool succeeded; a failure leaves nothing listed. Retention is decided by Dayshift (restic's
 * semantics, src/backup/retention.ts) and carried out with `remove`.
 */
export interface BackupRepository {
  /** Shown in messages and run records; never with a password or credentials. */
  readonly description: string;
  /** True when verify checks the whole repository at once (restic), not one snapshot. */
  readonly checksWholeRepository: boolean;
  store(backup: string, dump: Dump, options?: StoreOptions): Promise<Snapshot>;
  /** Whole snapshots of a backup, newest first. */
  list(backup: string): Promise<Snapshot[]>;
  /** One stream of a snapshot, checked against its manifest as it is read. */
  read(backup: string, snapshot: Snapshot, entry: string, signal?: AbortSignal): Promise<Readable>;
  verify(backup: string, snapshot: Snapshot, options: { readDataPercent: number }): Promise<VerifyResult>;
  remove(backup: string, snapshots: Snapshot[]): Promise<void>;
  /** Removes what crashed writes left behind; returns how many. */
  cleanUp(backup: string): Promise<number>;
}

/** What opening a repository needs: the stack file's directory, the store, and the repository's name. */
export interface RepositoryContext {
  name: string;
  baseDir: string;
  db: Kysely<Database>;
  /** Stamps snapshots; the system clock unless a test sets one. */
  clock?: Clock;
}

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
