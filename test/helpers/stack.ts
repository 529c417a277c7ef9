import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigOrThrow } from '../../src/config/load.js';
import type { StackConfig } from '../../src/config/schema.js';

/** Writes a stack file into a fresh directory and loads it as `dayshift` would. */
export function stackFrom(
  yaml: string,
  env: Record<string, string> = {},
): { config: StackConfig; configPath: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-stack-'));
  const configPath = path.join(dir, 'dayshift.yaml');
  writeFileSync(configPath, yaml);
  const { config } = loadConfigOrThrow(configPath, { env });
  return { config, configPath, dir };
}
