import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What identifies a loaded stack file: SHA-256 of its text and of the `.env` beside it, which fills
 * its `${VAR}`s. A node records the hash of what it serves; `dayshift status` compares it with the
 * files on disk to say that a change has not been reloaded yet.
 */
export function stackHash(text: string, dotenv: string | undefined): string {
  const hash = createHash('sha256').update(text);
  // A separator no text can hold keeps "a" + "b=1" apart from "ab" + "=1".
  if (dotenv !== undefined) hash.update('\u0000.env\u0000').update(dotenv);
  return hash.digest('hex');
}

/** The hash of the stack file at `file` and its `.env` as they are on disk now; undefined if unreadable. */
export function stackHashOnDisk(file: string): string | undefined {
  const absolute = path.resolve(file);
  const dotenvPath = path.join(path.dirname(absolute), '.env');
  try {
    const text = readFileSync(absolute, 'utf8');
    return stackHash(text, existsSync(dotenvPath) ? readFileSync(dotenvPath, 'utf8') : undefined);
  } catch {
    return undefined;
  }
}
