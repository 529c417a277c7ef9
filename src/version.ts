import { readFileSync } from 'node:fs';

/**
 * The package version, read once from the package.json above this module: one folder up from src/,
 * two from the built chunks in dist/chunks/.
 */
export const VERSION: string = (() => {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'dayshift') return pkg.version ?? '0.0.0';
    } catch {
      // not here: try the next folder up
    }
  }
  return '0.0.0';
})();
