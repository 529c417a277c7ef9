import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { resolveRelative, SRC, specifiersOf } from './architecture.js';

/** What loading a module loads before any of its code runs: files under `src/` and packages. */
export interface StaticGraph {
  /** Relative to `src/`, `.ts`. */
  files: Set<string>;
  /** Package names (`zod`, `@fastify/swagger`); node: built-ins are left out. */
  packages: Set<string>;
}

/** The modules `entry` (relative to `src/`) loads at once, following static imports only. */
export function staticGraph(entry: string): StaticGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(posix.join(SRC, file), 'utf8');
    // Type imports are erased by the compiler and dynamic ones load when the code calling them runs.
    for (const { specifier } of specifiersOf(text).filter((s) => s.how === 'static')) {
      if (specifier.startsWith('.')) visit(resolveRelative(file, specifier));
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
