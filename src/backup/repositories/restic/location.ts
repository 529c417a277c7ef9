import path from 'node:path';

/** The repository as restic is told it: a plain path is relative to the stack file, like every other path in it. */
export function resticLocation(repository: string, baseDir = '.'): string {
  return /^[a-z0-9]+:/.test(repository) ? repository : path.resolve(baseDir, repository);
}

/** A repository location as it may be shown: a `user:password@` in a URL is hidden. */
export function shownLocation(location: string): string {
  return location.replace(/\/\/[^/@\s]+@/, '//***@');
}
