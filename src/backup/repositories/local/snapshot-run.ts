import { DayshiftError } from '../../../errors.js';
import type { Dump } from '../types.js';
import type { LocalRepository, Manifest } from './repository.js';

/**
 * Streams a dump into a new snapshot and commits it only when every stream was stored and the dump
 * tool succeeded; otherwise the partial snapshot is removed and the error says why. Nothing that
 * failed is ever listed.
 */
export async function snapshotDump(
  repository: LocalRepository,
  backup: string,
  dump: Dump,
  options: { run?: number } = {},
): Promise<Manifest> {
  const writer = await repository.begin(backup);
  let toolFailed = false;
  dump.finished.catch(() => {
    toolFailed = true;
  });
  try {
    const entries = [];
    for (const { name, stream, compressed } of dump.streams)
      entries.push(await writer.add(name, stream, { compress: !compressed }));
    const source = await dump.finished;
    if (entries.length === 0 || entries.every((e) => e.size === 0))
      throw new DayshiftError('BACKUP_FAILED', `the ${backup} dump produced no data`, {
        hint: 'nothing was kept',
      });
    return await writer.commit(source, options);
  } catch (error) {
    const toolFailedFirst = toolFailed;
    await writer.abort();
    for (const { stream } of dump.streams) stream.destroy();
    const toolError = await dump.finished.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Whichever failed first explains it: the tool (its own error says more than the broken pipe it
    // left), or the repository (a full disk), after which the tool only died of losing its reader.
    if (toolFailedFirst || !toolError) throw toolError ?? error;
    throw error instanceof DayshiftError ? error : writeFailure(backup, error);
  }
}

function writeFailure(backup: string, error: unknown): DayshiftError {
  return new DayshiftError(
    'BACKUP_FAILED',
    `writing the ${backup} snapshot failed: ${error instanceof Error ? error.message : String(error)}`,
    { hint: 'check the repository (free space, permissions); nothing was kept', cause: error },
  );
}
