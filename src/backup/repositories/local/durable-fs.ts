import { randomBytes } from 'node:crypto';
import { open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Flushes a file or a directory to disk, so a rename after it survives a crash. */
export async function fsync(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file under a temporary name, fsyncs it, renames it into place and fsyncs its directory. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text);
  await fsync(temp);
  await rename(temp, file);
  await fsync(path.dirname(file));
}
