import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { SRC } from './architecture.js';

/** What loading a module loads before any of its code runs: files under `src/` and packages. */
export interface StaticGraph {
  /** Relative to `src/`, `.ts`. */
  files: Set<string>;
  /** Package names (`zod`, `@fastify/swagger`); node: built-ins are left out. */
  packages: Set<string>;
}

// `import ... from`, `export ... from` and `import '...'`, but not `import type`/`export type`
// (erased by the compiler) and not `import()` (loaded when the code that calls it runs).
const STATIC = /^\s*(?:import|export)\b(?!\s+type\b)(?:[^;'"]*?\bfrom)?\s*(['"])([^'"]+)\1/gm;

/** The modules `entry` (relative to `src/`) loads at once, following static imports only. */
export function staticGraph(entry: string): StaticGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(posix.join(SRC, file), 'utf8');
    for (const match of text.matchAll(STATIC)) {
      const specifier = match[2] as string;
      if (specifier.startsWith('.'))
        visit(posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
      else if (!specifier.startsWith('node:'))
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  visit(entry);
  return { files, packages };
}
