import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** The `dayshift` command as users run it: the bundle `npm run build` writes. */
export const CLI = path.resolve('dist/cli/main.js');

/**
 * Builds dist/ when a source file is newer than it (a test file run alone after a change). `npm test`
 * builds first, so there this costs a directory walk. The global setup calls it once per test run.
 */
export function buildCliIfStale(): void {
  const build = spawnSync(process.execPath, [path.resolve('scripts/bundle.mjs'), '--if-stale'], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`building dist/ failed:\n${build.stderr}`);
}
