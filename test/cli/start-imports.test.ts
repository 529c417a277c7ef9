import { describe, expect, it } from 'vitest';
import { layerOf } from '../helpers/architecture.js';
import { staticGraph } from '../helpers/static-imports.js';

describe('what a command loads before it runs', () => {
  it('is commander, the verb table and the error printer: each verb is imported when it runs', () => {
    const { files, packages } = staticGraph('cli/main.ts');
    const aboveShared = [...files].filter(
      (f) =>
        layerOf(f) !== 0 &&
        !['cli/main.ts', 'cli/program.ts', 'cli/commands/index.ts', 'cli/exit-codes.ts'].includes(f),
    );
    expect(aboveShared).toEqual([]);
    expect([...packages]).toEqual(['commander']);
  });

  it('for the stack file, is its schema: no client library, store, server or logger', () => {
    // Each plugin's options are part of the schema; what a plugin runs with is loaded on first use
    // (src/util/client-libraries.ts, or an import() in the method that needs it).
    const { packages } = staticGraph('config/load.ts');
    expect([...packages].sort()).toEqual(['croner', 'mustache', 'yaml', 'zod']);
  });

  it('sees through re-exports and multi-line imports, and skips type and dynamic imports', () => {
    const { files } = staticGraph('cli/context.ts');
    expect(files.has('config/load.ts')).toBe(true);
    expect(files.has('config/config-path.ts')).toBe(true);
    expect(files.has('store/index.ts')).toBe(false);
  });
});
