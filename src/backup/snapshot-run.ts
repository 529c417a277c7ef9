import { DayshiftError } from '../errors.js';
import type { Dump } from './dump.js';
import type { LocalRepository, Manifest } from './local/repository.js';

/**
 * Streams a dump into a new snapshot and commits it only when every stream was stored and the dump
 * tool succeeded; otherwise the partial snapshot is removed and the error says why. Nothing that
 * failed is ever listed.
 */
export async function snapshotDump(
  repository: LocalRepository,
  backup: string,
  dump: Dump,
): Promise<Manifest> {
  const writer = await repository.begin(backup);
  try {
    const entries = [];
    for (const { name, stream, compressed } of dump.streams)
      entries.push(await writer.add(name, stream, { compress: !compressed }));
    const source = await dump.finished;
    if (entries.length === 0 || entries.every((e) => e.size === 0))
      throw new DayshiftError('BACKUP_FAILED', `the ${backup} dump produced no data`, {
        hint: 'nothing was kept',
      });
    return await writer.commit(source);
  } catch (error) {
    await writer.abort();
    // The tool's own failure explains more than a broken pipe does.
    const toolError = await dump.finished.then(
      () => undefined,
      (e: unknown) => e,
    );
    throw toolError ?? error;
  }
}
