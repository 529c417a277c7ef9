import { describe, expect, it } from 'vitest';
import {
  formatViolations,
  layerOf,
  readSources,
  type SourceFile,
  SRC,
  violationsOf,
} from './helpers/architecture.js';

describe('the layers of src/', () => {
  it('have no import pointing up a layer, no file outside them, no plugin past its contract', () => {
    const violations = violationsOf(readSources(SRC));
    expect(formatViolations(violations)).toBe('');
  });
});

describe('the layer checker', () => {
  const file = (path: string, ...imports: string[]): SourceFile => ({
    path,
    text: imports.map((i) => `import { x } from '${i}';`).join('\n'),
  });

  it('names the file, the line and the import that points up a layer', () => {
    const violations = violationsOf([
      file('store/index.ts', '../util/clock.js', '../config/load.js'),
      file('checks/http.ts', './types.js', '../config/values.js'),
    ]);
    expect(formatViolations(violations).split('\n')).toEqual([
      "src/store/index.ts:2 import '../config/load.js': core imports config (config/load.ts), a layer above it",
      "src/checks/http.ts:2 import '../config/values.js': plugin kinds imports config (config/values.ts), a layer above it",
    ]);
  });

  it('sees dynamic imports and re-exports', () => {
    const violations = violationsOf([
      { path: 'conditions/x.ts', text: "const m = await import('../monitor/monitor.js');" },
      { path: 'log/y.ts', text: "export { a } from '../server/app.js';" },
    ]);
    expect(violations.map((v) => `${v.file} ${v.specifier}`)).toEqual([
      'conditions/x.ts ../monitor/monitor.js',
      'log/y.ts ../server/app.js',
    ]);
  });

  it('lets a file import its own layer and those below', () => {
    expect(
      violationsOf([
        file('cli/main.ts', '../runtime/node.js', '../server/app.js', '../errors.js'),
        file('alerts/engine.ts', '../monitor/status.js', '../config/schema.js', '../runs/runs.js'),
      ]),
    ).toEqual([]);
  });

  it('refuses a plugin that imports its registry or another plugin, not one that imports shared helpers', () => {
    const violations = violationsOf([
      file('checks/docker.ts', './registry.js'),
      file('checks/mysql.ts', './postgres.js', './shared/database-clients.js', './types.js'),
      file('backup/repositories/local/index.ts', './repository.js', '../types.js', '../restic/index.js'),
      file('checks/run.ts', './registry.js'),
    ]);
    expect(violations.map((v) => `${v.file} ${v.specifier}`)).toEqual([
      'checks/docker.ts ./registry.js',
      'checks/mysql.ts ./postgres.js',
      'backup/repositories/local/index.ts ../restic/index.js',
    ]);
  });

  it('refuses a file in a folder no layer names', () => {
    expect(formatViolations(violationsOf([file('gadgets/x.ts')]))).toBe(
      'src/gadgets/x.ts:1: is in no layer: add its folder to LAYERS',
    );
  });

  it('places backup/sources below backup/ by the longest match', () => {
    expect(layerOf('backup/sources/files.ts')).toBeLessThan(layerOf('config/load.ts'));
    expect(layerOf('backup/backups.ts')).toBeGreaterThan(layerOf('config/load.ts'));
  });
});
