import path from 'node:path';
import { z } from 'zod';
import { secretString } from '../../../schema/secret-schema.js';
import type { BackupRepository, Snapshot, StoreOptions, VerifyResult } from '../types.js';
import { defineRepositoryKind } from '../types.js';
import type { LocalRepository, Manifest } from './repository.js';
import { snapshotDump } from './snapshot-run.js';

/** Dayshift's own format in a directory: compressed, and encrypted when a passphrase is set. */
export const localRepository = defineRepositoryKind({
  kind: 'local',
  description: "Dayshift's own format in a directory: compressed, encrypted when a passphrase is set",
  options: z.strictObject({ path: z.string().min(1), passphrase: secretString().optional() }),
  open: (o, ctx) =>
    new LocalBackupRepository(path.resolve(ctx.baseDir, o.path), {
      passphrase: o.passphrase?.reveal(),
      clock: ctx.clock,
    }),
});

/**
 * The local repository behind the common repository interface. The format's machinery (compression,
 * encryption, durable writes) is imported on first use: every command that loads the stack file
 * builds this kind's options schema, few of them touch a repository.
 */
export class LocalBackupRepository implements BackupRepository {
  readonly description: string;
  readonly checksWholeRepository = false;
  readonly #root: string;
  readonly #options: ConstructorParameters<typeof LocalRepository>[1];
  #local: Promise<LocalRepository> | undefined;

  constructor(root: string, options: ConstructorParameters<typeof LocalRepository>[1]) {
    this.#root = root;
    this.#options = options;
    this.description = `local repository ${root}`;
  }

  #open(): Promise<LocalRepository> {
    this.#local ??= import('./repository.js').then((m) => new m.LocalRepository(this.#root, this.#options));
    return this.#local;
  }

  async store(
    backup: string,
    dump: Parameters<typeof snapshotDump>[2],
    options: StoreOptions = {},
  ): Promise<Snapshot> {
    return fromManifest(await snapshotDump(await this.#open(), backup, dump, { run: options.run }));
  }

  async list(backup: string): Promise<Snapshot[]> {
    const local = await this.#open();
    // The key check runs first, so a wrong passphrase is refused before anything is listed.
    await local.key();
    return (await local.list(backup)).map(fromManifest);
  }

  async read(backup: string, snapshot: Snapshot, entry: string) {
    return (await this.#open()).read(backup, snapshot.id, entry);
  }

  async verify(backup: string, snapshot: Snapshot): Promise<VerifyResult> {
    const result = await (await this.#open()).verify(backup, snapshot.id);
    return { ...result, scope: `${snapshot.entries.length} stream(s) re-hashed in full` };
  }

  async remove(backup: string, snapshots: Snapshot[]): Promise<void> {
    const local = await this.#open();
    for (const snapshot of snapshots) await local.remove(backup, snapshot.id);
  }

  async cleanUp(backup: string): Promise<number> {
    return (await this.#open()).cleanPartials(backup);
  }
}

function fromManifest(m: Manifest): Snapshot {
  return {
    id: m.id,
    backup: m.backup,
    createdAt: m.createdAt,
    durationMs: m.durationMs,
    entries: m.entries.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256 })),
    source: m.source,
    ...(m.run !== undefined ? { run: m.run } : {}),
  };
}
