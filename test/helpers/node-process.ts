import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { StoreOptions } from '../../src/store/index.js';

const FIXTURE = path.resolve('test/fixtures/alerting-node.ts');

/** When each node process last reported an alert pass that found nothing to do (when it began). */
const quietPasses = new WeakMap<ChildProcess, number>();

/** Where each node process serves its API (`http://127.0.0.1:port`), as it printed it. */
const addresses = new WeakMap<ChildProcess, string>();

/** The API address a node process started by startNodeProcess serves. */
export function addressOf(child: ChildProcess): string {
  const address = addresses.get(child);
  if (!address) throw new Error('this process did not print its address');
  return address;
}

/** True once the node process has reported a quiet alert pass begun after `at` (epoch ms). */
export function quietPassSince(child: ChildProcess, at: number): boolean {
  return (quietPasses.get(child) ?? 0) > at;
}

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
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready')) {
          const address = line.split(' ')[2];
          if (address) addresses.set(child, address);
          resolve();
        }
        const quiet = /^alerts quiet (\d+)$/.exec(line);
        if (quiet) quietPasses.set(child, Number(quiet[1]));
      }
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
