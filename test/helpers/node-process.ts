import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { StoreOptions } from '../../src/store/index.js';

const FIXTURE = path.resolve('test/fixtures/alerting-node.ts');

/**
 * Starts a whole node in its own process on a stack file and a store; resolves once it serves (prints
 * `ready`). `fixture` runs another script instead, configured the same way.
 */
export async function startNodeProcess(
  configPath: string,
  store: StoreOptions,
  env: Record<string, string> = {},
  fixture = FIXTURE,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: {
      ...process.env,
      CONFIG: configPath,
      ...(store.url ? { STORE_URL: store.url } : { SQLITE_PATH: store.sqlitePath ?? '' }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`node process exited early with ${code}`)));
  });
  return child;
}

/** SIGTERM and wait; SIGKILL after 10 s. */
export async function stopNodeProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function killNodeProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
