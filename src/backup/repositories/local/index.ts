import path from 'node:path';
import { z } from 'zod';
import { secretString } from '../../../schema/secret-schema.js';
import type { BackupRepository, Snapshot, StoreOptions, VerifyResult } from '../types.js';
import { defineRepositoryKind } from '../types.js';
import { LocalRepository, type Manifest } from './repository.js';
import { snapshotDump } from './snapshot-run.js';

/** Dayshift's own format in a directory: compressed, and encrypted when a passphrase is set. */
export const localRepository = defineRepositoryKind({
  kind: 'local',
  description: "Dayshift's own format in a directory: compressed, encrypted when a passphrase is set",
  options: z.strictObject({ path: z.string().min(1), passphrase: secretString().optional() }),
  open: (o, ctx) =>
    new LocalBackupRepository(
      new LocalRepository(path.resolve(ctx.baseDir, o.path), {
        passphrase: o.passphrase?.reveal(),
        clock: ctx.clock,
      }),
    ),
});

/** The local repository behind the common repository interface. */
export class LocalBackupRepository implements BackupRepository {
  readonly description: string;
  readonly checksWholeRepository = false;
  readonly local: LocalRepository;

  constructor(local: LocalRepository) {
    this.local = local;
    this.description = `local repository ${local.root}`;
  }

  async store(
    backup: string,
    dump: Parameters<typeof snapshotDump>[2],
    options: StoreOptions = {},
  ): Promise<Snapshot> {
    return fromManifest(await snapshotDump(this.local, backup, dump, { run: options.run }));
  }

  async list(backup: string): Promise<Snapshot[]> {
    // The key check runs first, so a wrong passphrase is refused before anything is listed.
    await this.local.key();
    return (await this.local.list(backup)).map(fromManifest);
  }

  read(backup: string, snapshot: Snapshot, entry: string) {
    return this.local.read(backup, snapshot.id, entry);
  }

  async verify(backup: string, snapshot: Snapshot): Promise<VerifyResult> {
    const result = await this.local.verify(backup, snapshot.id);
    return { ...result, scope: `${snapshot.entries.length} stream(s) re-hashed in full` };
  }

  async remove(backup: string, snapshots: Snapshot[]): Promise<void> {
    for (const snapshot of snapshots) await this.local.remove(backup, snapshot.id);
  }

  cleanUp(backup: string): Promise<number> {
    return this.local.cleanPartials(backup);
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
