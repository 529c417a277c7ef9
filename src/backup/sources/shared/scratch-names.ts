import { randomBytes } from 'node:crypto';

/** Scratch databases of drills are named `dayshift_drill_<UTC yyyymmddhhmm>_<6 hex>`. */
const SCRATCH_PREFIX = 'dayshift_drill';
const SCRATCH_NAME = /^dayshift_drill_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})_[0-9a-f]{6}$/;

/**
 * A scratch database older than this was left by a drill that was killed mid-restore (a drill job
 * times out after 6 hours): the next drill on the same server drops it.
 */
export const SCRATCH_ABANDONED_AFTER_MS = 24 * 3_600_000;

/** A unique scratch database name: the prefix, the time (UTC, to the minute) and a random suffix. */
export function scratchName(now = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 12);
  return `${SCRATCH_PREFIX}_${stamp}_${randomBytes(3).toString('hex')}`;
}

/** The names among `names` that are scratch databases made more than `olderThanMs` before `now`. */
export function abandonedScratch(names: readonly string[], now: number, olderThanMs: number): string[] {
  return names.filter((name) => {
    const m = SCRATCH_NAME.exec(name);
    if (!m) return false;
    const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
    return now - Date.UTC(y, mo - 1, d, h, mi) > olderThanMs;
  });
}

/** A LIKE pattern that finds the candidates on a server; `abandonedScratch` decides. */
export const SCRATCH_LIKE = 'dayshift\\_drill\\_%';
