import { DayshiftError } from '../errors.js';
import type { JobAttempt } from '../runs/recorder.js';
import { RunRecorder } from '../runs/recorder.js';
import { crashPoint } from '../util/test-crash.js';
import type { Backups } from './backups.js';
import { ProgressMeter } from './progress.js';
import type { Snapshot } from './repositories/types.js';
import { sourceOf } from './sources/registry.js';
import { confineRestoreTo, restorePolicy } from './sources/shared/restore-confinement.js';
import type { ConfinedTo, RestoreTarget } from './sources/types.js';

export interface RestoreResult {
  runId: number;
  snapshot: Snapshot;
  target: string;
  bytes: number;
  durationMs: number;
  /** The snapshot of what the target held before a `--force` restore over the original. */
  safetySnapshot?: string;
}

/**
 * Where `to` would restore a backup, as the stack file's rules allow it: a path under the stack file's
 * directory or `restore.allowed_paths`, or a database on a server the stack file names, never with a
 * password in `to`. Refused with RESTORE_TARGET_REFUSED (or BAD_REQUEST); the API asks before it
 * queues a restore, and every restore asks again before it starts.
 */
export function confineTarget(backups: Backups, name: string, to: string): ConfinedTo {
  const backup = backups.configOf(name);
  return confineRestoreTo(
    restorePolicy(backups.env.config, backups.env.baseDir),
    sourceOf(backup.source.kind),
    backup.source.options,
    to,
  );
}

/**
 * What a restore without force would refuse: the target (`to` as confineTarget allows it, or the
 * original) when it holds data, as RESTORE_TARGET_OCCUPIED worded for the API. The API asks before it
 * queues a restore; the restore asks again when it starts.
 */
export async function refuseOccupied(backups: Backups, name: string, to: string | undefined): Promise<void> {
  const backup = backups.configOf(name);
  const confined = to === undefined ? undefined : confineTarget(backups, name, to);
  const target = await sourceOf(backup.source.kind).restoreTarget(
    backup.source.options,
    confined,
    backups.sourceContext(),
  );
  try {
    if (await target.occupied())
      throw occupiedError(name, target.description, to === undefined, {
        elsewhere: 'restore elsewhere with "to"',
        force: 'send "force": true',
      });
  } finally {
    await target.dispose();
  }
}

/**
 * Restores a snapshot, recorded as a `restore` run. With `to`, into that target (a database name or
 * URL, a path), when confineTarget allows it. Without it, over the original, which is refused while it
 * holds data unless `force` is set, and then only after a safety snapshot of what it holds now.
 */
export async function restoreBackup(
  backups: Backups,
  name: string,
  options: {
    snapshot?: string;
    to?: string;
    force?: boolean;
    trigger: string;
    signal?: AbortSignal;
    attempt?: JobAttempt;
  },
): Promise<RestoreResult> {
  const backup = backups.configOf(name);
  const source = sourceOf(backup.source.kind);
  const to = options.to === undefined ? undefined : confineTarget(backups, name, options.to);
  const snapshot = await backups.snapshot(name, options.snapshot ?? 'latest');
  const target = await source.restoreTarget(backup.source.options, to, backups.sourceContext(options.signal));
  const occupied = await target.occupied();
  if (occupied && !options.force) {
    await target.dispose();
    throw occupiedError(name, target.description, options.to === undefined, {
      elsewhere: 'restore elsewhere with --to',
      force: 'pass --force',
    });
  }
  let safetySnapshot: string | undefined;
  if (occupied && options.to === undefined)
    safetySnapshot = (
      await backups.run(name, {
        trigger: `safety snapshot before restoring ${snapshot.id}`,
        signal: options.signal,
        retention: false,
        attempt: options.attempt,
      })
    ).snapshot.id;
  const recorder = await RunRecorder.start(
    backups.env.runs,
    backups.clock,
    'restore',
    name,
    options.trigger,
    options.attempt,
  );
  const started = backups.clock.now();
  try {
    const bytes = await recorder.step(
      'restore',
      backup.source.kind,
      () => restoreInto(backups, name, snapshot, target, { over: occupied, signal: options.signal }),
      (b) => ({ snapshot: snapshot.id, target: target.description, bytes: b }),
    );
    crashPoint('restore:after-write');
    const result: RestoreResult = {
      runId: recorder.runId,
      snapshot,
      target: target.description,
      bytes,
      durationMs: backups.clock.now() - started,
      ...(safetySnapshot ? { safetySnapshot } : {}),
    };
    await recorder.finish('succeeded', { ...result, snapshot: snapshot.id, runId: undefined });
    return result;
  } catch (error) {
    await recorder.fail(error);
    throw error;
  } finally {
    await target.dispose();
  }
}

/** Streams a snapshot into a target with progress; resolves with the bytes restored. */
export async function restoreInto(
  backups: Backups,
  name: string,
  snapshot: Snapshot,
  target: RestoreTarget,
  options: { over: boolean; signal?: AbortSignal },
): Promise<number> {
  const [entry, ...more] = snapshot.entries;
  if (!entry || more.length > 0)
    throw new DayshiftError(
      'BACKUP_FAILED',
      `snapshot ${snapshot.id} holds ${snapshot.entries.length} streams; a restore takes one`,
    );
  const stream = await backups.repositoryOf(name).read(name, snapshot, entry.name, options.signal);
  const meter = new ProgressMeter(`${name} ${snapshot.id}`, entry.size, (p) => backups.env.onProgress?.(p));
  stream.on('error', (error) => meter.destroy(error));
  await target.restore(stream.pipe(meter), options);
  return meter.bytes;
}

/**
 * The refusal of a restore without force into a target that holds data: a conflict with what is
 * there, not a bad request. `say` words the two ways out for the interface that asked.
 */
function occupiedError(
  name: string,
  target: string,
  original: boolean,
  say: { elsewhere: string; force: string },
): DayshiftError {
  return new DayshiftError(
    'RESTORE_TARGET_OCCUPIED',
    original
      ? `${target} holds data; restoring ${name} over it replaces that data`
      : `${target} is not empty`,
    {
      hint: original
        ? `${say.elsewhere}, or ${say.force}: a safety snapshot of the current state is taken first`
        : `choose an empty target, or ${say.force} to replace what it holds`,
    },
  );
}
