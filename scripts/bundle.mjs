/**
 * Builds dist/: the `dayshift` command as one entry file plus chunks, so that a start reads a few
 * files instead of hundreds. `tsc` checks the types; esbuild writes what runs.
 *
 * - Code splitting keeps every verb lazy: `--help` loads the entry and the verb table, `validate`
 *   adds the chunks for the config loader and its plugins, and only `serve` loads the server.
 * - zod, yaml and commander are bundled: they are pure JavaScript read at every start, and as
 *   packages they are 170 small files. Every other dependency stays a package, loaded from
 *   node_modules when a verb needs it: native modules (better-sqlite3), packages that find files of
 *   their own at run time (pino's transports, swagger-ui's assets), and drivers that only some
 *   verbs use.
 *
 * Usage:
 *   node scripts/bundle.mjs              build (npm run build runs it after tsc)
 *   node scripts/bundle.mjs --if-stale   build only when a file under src/, or this script, is newer
 *                                        than dist/cli/main.js (the tests and benches run this)
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SCRIPT), '..');
const OUTDIR = path.join(ROOT, 'dist');
const ENTRY = path.join(OUTDIR, 'cli', 'main.js');
const BUNDLED = new Set(['zod', 'yaml', 'commander']);

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
await bundle();

async function bundle() {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const external = Object.keys(pkg.dependencies ?? {})
    .filter((name) => !BUNDLED.has(name))
    .flatMap((name) => [name, `${name}/*`]);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { 'cli/main': 'src/cli/main.ts' },
    outdir: OUTDIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    // commander and yaml are CommonJS and require Node's built-ins; an ES module has no require of
    // its own, so each output file gets one. The entry keeps its #!/usr/bin/env node line above it.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  // Chunk names carry a hash of their content: remove those of earlier builds, after this one is
  // complete, so that a command started meanwhile still finds every file it was built with.
  const written = new Set(Object.keys(result.metafile.outputs).map((file) => path.resolve(ROOT, file)));
  for (const file of filesUnder(OUTDIR)) if (!written.has(file)) rmSync(file, { force: true });
}

function stale() {
  if (!existsSync(ENTRY)) return true;
  const built = statSync(ENTRY).mtimeMs;
  return statSync(SCRIPT).mtimeMs > built || filesUnder(path.join(ROOT, 'src')).some((f) => statSync(f).mtimeMs > built);
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}
