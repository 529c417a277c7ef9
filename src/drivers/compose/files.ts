import { existsSync } from 'node:fs';
import path from 'node:path';

/** The files Compose reads when given no `-f`, in its order of preference: v1's, and the plugin's. */
const DEFAULT_FILES = {
  v1: ['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml'],
  plugin: ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'],
};
/** The override Compose adds to its default file, from the same folder. */
const DEFAULT_OVERRIDES = [
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
  'compose.override.yml',
  'compose.override.yaml',
];

/** Where the compose driver keeps the file that pins a service's image, from the stack file's folder. */
export function overrideFileOf(service: string): string {
  return path.join('.dayshift', 'deploys', `${service}.override.yml`);
}

/**
 * The files Compose reads in `cwd` when given none: the first default file in `cwd` or the nearest
 * folder above it that has one, and that folder's `docker-compose.override.yml` when there is one.
 * A driver that adds a file of its own with `-f` must name these too, since any `-f` replaces them.
 * Empty when there is none (Compose then says so itself).
 */
export function defaultComposeFiles(cwd: string, plugin: boolean): string[] {
  const names = plugin ? DEFAULT_FILES.plugin : DEFAULT_FILES.v1;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const found = names.find((name) => existsSync(path.join(dir, name)));
    if (found) {
      const overrides = DEFAULT_OVERRIDES.filter((name) => existsSync(path.join(dir, name)));
      return [path.join(dir, found), ...overrides.map((name) => path.join(dir, name))];
    }
    if (path.dirname(dir) === dir) return [];
  }
}
