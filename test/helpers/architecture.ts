import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * The layers of `src/`, bottom to top. A file may import from its own layer or any layer below it,
 * never from one above. Each entry is a folder (or a file) relative to `src/`; the longest match wins,
 * so `backup/sources` is a plugin kind while the rest of `backup/` is a feature.
 */
export const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[] }> = [
  { name: 'primitives', paths: ['errors.ts', 'version.ts', 'util', 'log', 'schema', 'http', 'process'] },
  { name: 'core', paths: ['conditions', 'rules', 'store', 'jobs'] },
  {
    name: 'plugin kinds',
    paths: ['checks', 'notifiers', 'backup/sources', 'backup/repositories', 'drivers', 'steps'],
  },
  { name: 'config', paths: ['config'] },
  { name: 'runs', paths: ['runs', 'audit'] },
  {
    name: 'features',
    paths: [
      'monitor',
      'history',
      'alerts',
      'backup',
      'smoke',
      'env-contract',
      'access',
      'features',
      'services',
      'runbooks',
      'deploys',
      'agent',
      'incidents',
      'status-page',
    ],
  },
  { name: 'server', paths: ['server'] },
  { name: 'runtime', paths: ['runtime'] },
  { name: 'cli', paths: ['cli'] },
];

/**
 * The plugin kinds: a folder with a `types.ts` contract and a `registry.ts`. A plugin (any other file
 * of the folder, outside `shared/`) imports its kind's contract and shared helpers, never the registry
 * and never another plugin. `runner` names files of the kind's own machinery that may read the registry.
 */
export const PLUGIN_KINDS: ReadonlyArray<{ folder: string; runner?: readonly string[] }> = [
  { folder: 'checks', runner: ['run.ts'] },
  { folder: 'notifiers' },
  { folder: 'backup/sources' },
  { folder: 'backup/repositories' },
  { folder: 'drivers' },
  { folder: 'steps' },
];

export interface SourceFile {
  /** Relative to `src/`, with `/` separators. */
  path: string;
  text: string;
}

export interface ImportEdge {
  file: string;
  line: number;
  specifier: string;
  /** The imported file, relative to `src/`, with `.ts` for `.js`. */
  target: string;
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  reason: string;
}

// `import ... from`, `export ... from`, `import '...'` (multi-line ones too: nothing between the keyword
// and `from` holds a quote or a semicolon), and dynamic `import('...')`.
const SPECIFIER =
  /^\s*(import|export)\b(\s+type\b)?(?:[^;'"]*?\bfrom)?\s*(['"])([^'"]+)\3|\bimport\s*\(\s*(['"])([^'"]+)\5/gm;

/** One module specifier a file names, with how it is loaded. */
export interface Specifier {
  specifier: string;
  /** Character offset of the statement. */
  index: number;
  /** `static` runs when the file loads, `type` is erased by the compiler, `dynamic` runs when called. */
  how: 'static' | 'type' | 'dynamic';
}

/** Every module specifier in a source text: packages, node: built-ins and relative paths. */
export function specifiersOf(text: string): Specifier[] {
  return [...text.matchAll(SPECIFIER)].map((m) => ({
    specifier: (m[4] ?? m[6]) as string,
    index: m.index,
    how: m[6] !== undefined ? 'dynamic' : m[2] ? 'type' : 'static',
  }));
}

/** The file a relative specifier names, relative to `src/`, `.ts` for `.js`. */
export function resolveRelative(from: string, specifier: string): string {
  return posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
}

/** Every relative import of a file, of any kind: a type import points up a layer as much as any. */
export function importsOf(file: SourceFile): ImportEdge[] {
  return specifiersOf(file.text)
    .filter((s) => s.specifier.startsWith('.'))
    .map((s) => ({
      file: file.path,
      line: file.text.slice(0, s.index).split('\n').length,
      specifier: s.specifier,
      target: resolveRelative(file.path, s.specifier),
    }));
}

function matchOf(path: string, entries: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const entry of entries)
    if ((path === entry || path.startsWith(`${entry}/`)) && (!best || entry.length > best.length))
      best = entry;
  return best;
}

/** The layer index of a file, or -1 when no layer names it. */
export function layerOf(path: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((layer, index) => {
    const entry = matchOf(path, layer.paths);
    if (entry && entry.length > bestLength) {
      best = index;
      bestLength = entry.length;
    }
  });
  return best;
}

function pluginKindOf(path: string) {
  const folder = matchOf(
    path,
    PLUGIN_KINDS.map((k) => k.folder),
  );
  return folder ? PLUGIN_KINDS.find((k) => k.folder === folder) : undefined;
}

/** Every import that points up a layer, every file outside the layers, and every plugin that reaches past its contract. */
export function violationsOf(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const from = layerOf(file.path);
    if (from < 0) {
      violations.push({
        file: file.path,
        line: 1,
        specifier: '',
        reason: 'is in no layer: add its folder to LAYERS',
      });
      continue;
    }
    const kind = pluginKindOf(file.path);
    const inKind = kind ? relative(kind.folder, file.path).split('\\').join('/') : undefined;
    const isPlugin =
      kind !== undefined &&
      inKind !== undefined &&
      !['types.ts', 'registry.ts', ...(kind.runner ?? [])].includes(inKind) &&
      !inKind.startsWith('shared/');
    for (const edge of importsOf(file)) {
      const to = layerOf(edge.target);
      const at = { file: file.path, line: edge.line, specifier: edge.specifier };
      if (to > from)
        violations.push({
          ...at,
          reason: `${LAYERS[from]?.name} imports ${LAYERS[to]?.name} (${edge.target}), a layer above it`,
        });
      if (!kind || !isPlugin || !inKind) continue;
      const targetKind = pluginKindOf(edge.target);
      if (targetKind !== kind) continue;
      const targetIn = relative(kind.folder, edge.target).split('\\').join('/');
      const ownFolder = inKind.includes('/') ? inKind.slice(0, inKind.indexOf('/')) : undefined;
      if (targetIn === 'registry.ts')
        violations.push({ ...at, reason: `a ${kind.folder} plugin imports the registry; import ./types.js` });
      else if (
        targetIn !== 'types.ts' &&
        !targetIn.startsWith('shared/') &&
        !(ownFolder && targetIn.startsWith(`${ownFolder}/`))
      )
        violations.push({
          ...at,
          reason: `a ${kind.folder} plugin imports another plugin (${edge.target}); move what they share to ${kind.folder}/shared/`,
        });
    }
  }
  return violations;
}

/** Every `.ts` file under `dir`, relative to it. */
export function readSources(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts'))
        files.push({ path: relative(dir, full).split('\\').join('/'), text: readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return files;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations
    .map((v) => `src/${v.file}:${v.line}${v.specifier ? ` import '${v.specifier}'` : ''}: ${v.reason}`)
    .join('\n');
}

export const SRC = join(dirname(new URL(import.meta.url).pathname), '../../src');
