import { pipeline } from 'node:stream';
import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type JobAttempt, RunRecorder } from '../runs/recorder.js';
import type { Runs } from '../runs/runs.js';
import { didYouMean } from '../schema/did-you-mean.js';
import { scrubSecrets } from '../schema/secret.js';
import type { Database } from '../store/schema.js';
import { type Clock, systemClock } from '../util/clock.js';
import { ownValue } from '../util/own.js';
import { crashPoint } from '../util/test-crash.js';
import { runHook } from './hooks.js';
import { ProgressMeter, type TransferProgress } from './progress.js';
import { repositoryKindOf } from './repositories/registry.js';
import { applyRetention } from './repositories/shared/retention.js';
import type { BackupRepository, Snapshot, VerifyResult } from './repositories/types.js';
import { sourceOf } from './sources/registry.js';
import { releaseDump } from './sources/shared/dump.js';
import type { Dump, SourceContext } from './sources/types.js';

export type BackupConfig = StackConfig['backups'][string];

/** What the backup service works with: the stack, the store, and where to report progress. */
export interface BackupsEnv {
  config: StackConfig;
  /** The stack file's directory: paths in it are relative to this. */
  baseDir: string;
  db: Kysely<Database>;
  runs: Runs;
  clock?: Clock;
  logger?: Logger;
  /** Called as bytes flow during a backup, restore or drill (the CLI draws it on a terminal). */
  onProgress?: (progress: TransferProgress) => void;
}

export interface BackupRunResult {
  runId: number;
  snapshot: Snapshot;
  removed: string[];
}

/**
 * The backups of a stack: run, list, show, verify, prune. Every run and verify is recorded as a run
 * with its steps, and what is recorded has passed through scrubSecrets: no password reaches a run
 * record, a log line or an error. Restores (restore.ts) and drills (drill.ts) use the same pieces.
 */
export class Backups {
  readonly env: BackupsEnv;
  readonly clock: Clock;
  readonly #repositories = new Map<string, BackupRepository>();

  constructor(env: BackupsEnv) {
    this.env = env;
    this.clock = env.clock ?? systemClock;
  }

  names(): string[] {
    return Object.keys(this.env.config.backups);
  }

  /** A backup's configuration; an unknown name is an error that lists the known ones. */
  configOf(name: string): BackupConfig {
    const backup = ownValue(this.env.config.backups, name);
    if (backup) return backup;
    const names = this.names();
    const guess = didYouMean(name, names);
    throw new DayshiftError('NOT_FOUND', `no backup named ${name} in the stack file`, {
      hint: guess ?? (names.length ? `backups: ${names.join(', ')}` : 'add one under backups:'),
    });
  }

  repositoryOf(name: string): BackupRepository {
    const repoName = this.configOf(name).repository;
    let repository = this.#repositories.get(repoName);
    if (!repository) {
      const definition = ownValue(this.env.config.repositories, repoName);
      if (!definition)
        // Validation refuses such a file; a stack built without it can still get here.
        throw new DayshiftError(
          'CONFIG_INVALID',
          `backup ${name} names repository ${repoName}, which is not defined`,
          { hint: 'add it under repositories:, then run dayshift validate' },
        );
      repository = repositoryKindOf(definition.kind).open(definition.options, {
        name: repoName,
        baseDir: this.env.baseDir,
        db: this.env.db,
        clock: this.clock,
      });
      this.#repositories.set(repoName, repository);
    }
    return repository;
  }

  sourceContext(signal?: AbortSignal): SourceContext {
    return { baseDir: this.env.baseDir, signal };
  }

  /** Takes a snapshot: `before` hook, dump streamed into the repository, `after` hook (always), retention. */
  async run(
    name: string,
    options: {
      trigger: string;
      signal?: AbortSignal;
      retention?: boolean;
      attempt?: JobAttempt;
    },
  ): Promise<BackupRunResult> {
    const backup = this.configOf(name);
    const repository = this.repositoryOf(name);
    const recorder = await RunRecorder.start(
      this.env.runs,
      this.clock,
      'backup',
      name,
      options.trigger,
      options.attempt,
    );
    const hookOptions = { cwd: this.env.baseDir, timeoutMs: backup.hook_timeout };
    try {
      let snapshot: Snapshot;
      try {
        if (backup.before)
          await recorder.step('before hook', 'hook', () =>
            runHook('before', name, backup.before as string | string[], hookOptions),
          );
        const source = sourceOf(backup.source.kind);
        snapshot = await recorder.step(
          'dump',
          backup.source.kind,
          async () => {
            // The dump is stopped by its own signal when storing it fails, so what the source opened
            // (a connection in a transaction, the tool, a temp copy) is released before the error goes on.
            const stop = new AbortController();
            const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
            const dump = await source.dump(backup.source.options, this.sourceContext(signal));
            try {
              return await repository.store(name, this.#metered(name, dump), {
                signal,
                run: recorder.runId,
              });
            } catch (error) {
              await releaseDump(dump, stop, error);
              throw error;
            }
          },
          (s) => ({ snapshot: s.id, bytes: totalBytes(s), repository: repository.description }),
        );
      } finally {
        if (backup.after)
          await recorder.step('after hook', 'hook', () =>
            runHook('after', name, backup.after as string | string[], hookOptions),
          );
      }
      let removed: string[] = [];
      if (options.retention !== false && backup.keep)
        removed = await recorder.step(
          'retention',
          'prune',
          async () => (await this.prune(name)).removed,
          (r) => ({ removed: r }),
        );
      this.env.logger?.info(
        { backup: name, snapshot: snapshot.id, bytes: totalBytes(snapshot) },
        'backup stored',
      );
      await recorder.finish('succeeded', {
        snapshot: snapshot.id,
        repository: repository.description,
        bytes: totalBytes(snapshot),
        durationMs: snapshot.durationMs,
        removed,
      });
      crashPoint('backup:after-record');
      return { runId: recorder.runId, snapshot, removed };
    } catch (error) {
      await recorder.fail(error);
      this.env.logger?.error({ backup: name, error: scrubSecrets(messageOf(error)) }, 'backup failed');
      throw error;
    }
  }

  /** The dump with its bytes and rate reported as they flow, when someone watches (a terminal). */
  #metered(name: string, dump: Dump): Dump {
    const report = this.env.onProgress;
    if (!report) return dump;
    return {
      ...dump,
      streams: dump.streams.map((s) => ({
        ...s,
        // pipeline, not pipe: a repository that stops reading stops the dump too.
        stream: pipeline(s.stream, new ProgressMeter(`${name} ${s.name}`, undefined, report), () => {}),
      })),
    };
  }

  /** Whole snapshots, newest first. */
  list(name: string): Promise<Snapshot[]> {
    return this.repositoryOf(name).list(name);
  }

  /** A snapshot by id (a unique prefix is enough) or `latest`. */
  async snapshot(name: string, id = 'latest'): Promise<Snapshot> {
    const snapshots = await this.list(name);
    if (id === 'latest') {
      const newest = snapshots[0];
      if (!newest)
        throw new DayshiftError('NOT_FOUND', `backup ${name} has no snapshot yet`, {
          hint: `dayshift backup run ${name} takes one`,
        });
      return newest;
    }
    const matches = snapshots.filter((s) => s.id.startsWith(id));
    if (matches.length === 1) return matches[0] as Snapshot;
    // Several matches is a prefix too short to choose, not a missing snapshot.
    throw new DayshiftError(
      matches.length ? 'BAD_REQUEST' : 'NOT_FOUND',
      matches.length
        ? `${id} matches ${matches.length} snapshots of ${name}`
        : `no snapshot ${id} of ${name}`,
      { hint: `dayshift backup list ${name} shows them${matches.length ? '; give more of the id' : ''}` },
    );
  }

  /**
   * Verifies snapshots: the local repository re-hashes every stream against its manifest; restic runs
   * `check --read-data-subset` over the repository. Recorded as a `verify` run.
   */
  async verify(
    name: string,
    options: { snapshot?: string; trigger: string; readDataPercent?: number; attempt?: JobAttempt },
  ): Promise<{ runId: number; ok: boolean; results: Array<VerifyResult & { snapshot: string }> }> {
    const backup = this.configOf(name);
    const repository = this.repositoryOf(name);
    const readDataPercent = options.readDataPercent ?? backup.verify?.read_data ?? 5;
    const recorder = await RunRecorder.start(
      this.env.runs,
      this.clock,
      'verify',
      name,
      options.trigger,
      options.attempt,
    );
    try {
      const snapshots = options.snapshot
        ? [await this.snapshot(name, options.snapshot)]
        : await this.list(name);
      const results: Array<VerifyResult & { snapshot: string }> = [];
      // restic checks the whole repository at once; the local format is checked snapshot by snapshot.
      const targets = repository.checksWholeRepository ? snapshots.slice(0, 1) : snapshots;
      for (const snapshot of targets) {
        const result = await recorder.step(
          `verify ${snapshot.id}`,
          'verify',
          () => repository.verify(name, snapshot, { readDataPercent }),
          (r) => r,
          (r) => r.ok,
        );
        results.push({ ...result, snapshot: snapshot.id });
      }
      const ok = results.every((r) => r.ok);
      await recorder.finish(ok ? 'succeeded' : 'failed', {
        ok,
        snapshots: results.length,
        problems: results.flatMap((r) => r.problems.map((p) => ({ snapshot: r.snapshot, ...p }))),
      });
      return { runId: recorder.runId, ok, results };
    } catch (error) {
      await recorder.fail(error);
      throw error;
    }
  }

  /** Applies `keep:` (restic's semantics on every repository) and clears what crashed writes left. */
  async prune(
    name: string,
    options: { dryRun?: boolean } = {},
  ): Promise<{ kept: Array<{ id: string; reasons: string[] }>; removed: string[]; cleaned: number }> {
    const backup = this.configOf(name);
    const repository = this.repositoryOf(name);
    const snapshots = await repository.list(name);
    const decision = applyRetention(
      snapshots.map((s) => ({ snapshot: s, time: Date.parse(s.createdAt) })),
      backup.keep ?? {},
      backup.timezone ?? 'UTC',
    );
    const removed = decision.remove.map((d) => d.snapshot);
    if (!options.dryRun) await repository.remove(name, removed);
    const cleaned = options.dryRun ? 0 : await repository.cleanUp(name);
    return {
      kept: decision.keep.map((k) => ({ id: k.snapshot.snapshot.id, reasons: k.reasons })),
      removed: removed.map((s) => s.id),
      cleaned,
    };
  }
}

export function totalBytes(snapshot: Snapshot): number {
  return snapshot.entries.reduce((sum, e) => sum + e.size, 0);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
