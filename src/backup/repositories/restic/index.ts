import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DayshiftError } from '../../../errors.js';
import { secretString } from '../../../schema/secret-schema.js';
import type { Database } from '../../../store/schema.js';
import { type Clock, systemClock } from '../../../util/clock.js';
import { crashPoint } from '../../../util/test-crash.js';
import { HashCheck, StreamDigest } from '../shared/hash-check.js';
import type { BackupRepository, Dump, Snapshot, StoreOptions, VerifyResult } from '../types.js';
import { defineRepositoryKind } from '../types.js';
import { resticLocation, shownLocation } from './location.js';
import type { ResticRepository } from './restic-repository.js';

/** A restic repository on any backend restic supports (a path, sftp:, s3:, rest:). Encrypted by restic. */
export const resticRepository = defineRepositoryKind({
  kind: 'restic',
  description: 'a restic repository on any restic backend (path, sftp:, s3:, rest:)',
  options: z.strictObject({
    repository: z.string().min(1),
    password: secretString(),
    /** Backend credentials such as AWS_SECRET_ACCESS_KEY, passed to restic and kept secret. */
    env: z.record(z.string(), secretString()).optional(),
  }),
  open: (o, ctx) =>
    new ResticBackupRepository(
      {
        repository: o.repository,
        password: o.password.reveal(),
        env: Object.fromEntries(Object.entries(o.env ?? {}).map(([k, v]) => [k, v.reveal()])),
        baseDir: ctx.baseDir,
      },
      ctx.name,
      ctx.db,
      ctx.clock,
    ),
});

/** What the restic command line is given: the repository, its password and the backend's credentials. */
type ResticSettings = ConstructorParameters<typeof ResticRepository>[0];

/** A restic snapshot that has no manifest this long after it was taken was cut off by a crash. */
const ORPHAN_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * A restic repository behind the common interface. restic keeps the data (one snapshot per dump,
 * tagged `dayshift:<backup>`); the manifest (SHA-256, sizes, row counts) is kept in the store, written
 * only after restic and the dump tool both succeeded, so a snapshot restic saved from a cut-off stream
 * is never listed.
 */
export class ResticBackupRepository implements BackupRepository {
  readonly description: string;
  readonly checksWholeRepository = true;
  readonly #settings: ResticSettings;
  #restic: Promise<ResticRepository> | undefined;
  readonly #name: string;
  readonly #db: Kysely<Database>;

  readonly #clock: Clock;

  constructor(settings: ResticSettings, name: string, db: Kysely<Database>, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#settings = settings;
    this.#name = name;
    this.#db = db;
    this.description = `restic repository ${shownLocation(resticLocation(settings.repository, settings.baseDir))}`;
  }

  /** The restic command line's driver, imported on first use: validating a stack file never runs restic. */
  #cli(): Promise<ResticRepository> {
    this.#restic ??= import('./restic-repository.js').then((m) => new m.ResticRepository(this.#settings));
    return this.#restic;
  }

  async store(backup: string, dump: Dump, options: StoreOptions = {}): Promise<Snapshot> {
    const { signal } = options;
    const started = this.#clock.now();
    const [only, ...more] = dump.streams;
    if (!only || more.length > 0)
      throw new DayshiftError(
        'BACKUP_FAILED',
        `a restic snapshot holds one stream; ${backup} gave ${dump.streams.length}`,
      );
    let toolFailed = false;
    dump.finished.catch(() => {
      toolFailed = true;
    });
    const hashing = new StreamDigest();
    only.stream.on('error', (error) => hashing.destroy(error));
    // Whether the dump's stream was read to its end: only then does a size of 0 mean it was empty.
    let readToEnd = false;
    only.stream.once('end', () => {
      readToEnd = true;
    });
    let saved: { id: string } | undefined;
    try {
      await this.#ensure();
      saved = await (await this.#cli()).backup(backup, only.name, only.stream.pipe(hashing), signal);
      const source = await dump.finished;
      if (hashing.size === 0)
        throw new DayshiftError('BACKUP_FAILED', `the ${backup} dump produced no data`, {
          hint: 'nothing was kept',
        });
      const snapshot: Snapshot = {
        id: saved.id,
        backup,
        createdAt: new Date(started).toISOString(),
        durationMs: this.#clock.now() - started,
        entries: [{ name: only.name, size: hashing.size, sha256: hashing.sha256() }],
        source,
        ...(options.run !== undefined ? { run: options.run } : {}),
      };
      crashPoint('backup:before-commit');
      await this.#db
        .insertInto('backup_manifests')
        .values({
          repository: this.#name,
          snapshot: snapshot.id,
          backup,
          created_at: started,
          manifest: JSON.stringify(snapshot),
        })
        .execute();
      crashPoint('backup:after-commit');
      return snapshot;
    } catch (error) {
      if (saved) await (await this.#cli()).forgetIds([saved.id]).catch(() => {});
      const toolFailedFirst = toolFailed;
      // Nothing reads the dump any more: stop it rather than leave the tool blocked on a full pipe.
      only.stream.destroy();
      const toolError = await dump.finished.then(
        () => undefined,
        (e: unknown) => e,
      );
      // Whichever failed first explains it: a tool that died, or restic (a wrong password, a full disk).
      if (toolFailedFirst) throw toolError ?? error;
      // restic refuses an empty stream itself ("snapshot is empty"): say so as a local repository does.
      if (readToEnd && hashing.size === 0 && toolError === undefined)
        throw new DayshiftError('BACKUP_FAILED', `the ${backup} dump produced no data`, {
          hint: 'nothing was kept',
          cause: error,
        });
      throw error;
    }
  }

  async list(backup: string): Promise<Snapshot[]> {
    await this.#ensure();
    const inRestic = (await (await this.#cli()).snapshots(backup)).map((s) => s.id);
    // restic 0.14 reports the short id after a backup and the full one in listings.
    const rows = await this.#manifests(backup);
    return rows.filter((s) => inRestic.some((id) => id.startsWith(s.id)));
  }

  async read(backup: string, snapshot: Snapshot, entry: string, signal?: AbortSignal): Promise<Readable> {
    const expected = snapshot.entries.find((e) => e.name === entry);
    if (!expected)
      throw new DayshiftError('NOT_FOUND', `snapshot ${snapshot.id} of ${backup} holds no ${entry}`);
    const restic = await this.#cli();
    const check = new HashCheck(
      expected,
      `${backup}/${snapshot.id.slice(0, 8)}/${entry}`,
      `restic snapshot ${snapshot.id.slice(0, 8)}`,
    );
    const stream = restic.read(snapshot.id, entry, signal);
    stream.on('error', (error) => check.destroy(error));
    return stream.pipe(check);
  }

  async verify(
    _backup: string,
    _snapshot: Snapshot,
    options: { readDataPercent: number },
  ): Promise<VerifyResult> {
    const result = await (await this.#cli()).verify(options.readDataPercent);
    const problems = result.ok
      ? []
      : result.output
          .split('\n')
          .filter((line) => /error|damaged|invalid|mismatch|not found|missing/i.test(line))
          .slice(0, 20)
          .map((line) => ({
            entry: line.match(/\b(?:pack|blob|tree)\s+([0-9a-f]{8,})/i)?.[1] ?? 'repository',
            problem: line.trim(),
          }));
    if (!result.ok && problems.length === 0)
      problems.push({ entry: 'repository', problem: result.output.slice(-500) });
    return { ok: result.ok, problems, scope: `restic check --read-data-subset=${options.readDataPercent}%` };
  }

  async remove(backup: string, snapshots: Snapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    await (await this.#cli()).forgetIds(snapshots.map((s) => s.id));
    await this.#db
      .deleteFrom('backup_manifests')
      .where('repository', '=', this.#name)
      .where('backup', '=', backup)
      .where(
        'snapshot',
        'in',
        snapshots.map((s) => s.id),
      )
      .execute();
  }

  /** Forgets restic snapshots of this backup that never got a manifest (a crash mid-stream). */
  async cleanUp(backup: string): Promise<number> {
    const known = new Set((await this.#manifests(backup)).map((s) => s.id));
    const now = Date.now();
    const orphans = (await (await this.#cli()).snapshots(backup)).filter(
      (s) => ![...known].some((id) => s.id.startsWith(id)) && now - Date.parse(s.time) > ORPHAN_AGE_MS,
    );
    await (await this.#cli()).forgetIds(orphans.map((s) => s.id));
    return orphans.length;
  }

  /**
   * Initializes the repository on first use. Once a snapshot of it is recorded in the store it exists,
   * and the probe (a restic process that opens the repository and derives its key) is skipped.
   */
  async #ensure(): Promise<void> {
    const recorded = await this.#db
      .selectFrom('backup_manifests')
      .select('snapshot')
      .where('repository', '=', this.#name)
      .limit(1)
      .executeTakeFirst();
    if (!recorded) await (await this.#cli()).ensure();
  }

  async #manifests(backup: string): Promise<Snapshot[]> {
    const rows = await this.#db
      .selectFrom('backup_manifests')
      .select('manifest')
      .where('repository', '=', this.#name)
      .where('backup', '=', backup)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => JSON.parse(r.manifest) as Snapshot);
  }
}
