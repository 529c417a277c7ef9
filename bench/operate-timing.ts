/** What the parts of `npm run bench -- operate` share: timing a program to its exit, and medians. */
import { spawn } from 'node:child_process';
import { quantile } from './quantile.js';

/** The environment a `dayshift` process gets here: its store is the stack file's, never one from the shell. */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DAYSHIFT_LOG_LEVEL: 'warn', NO_COLOR: '1', ...extra };
  delete env.DAYSHIFT_DATABASE_URL;
  delete env.DAYSHIFT_CONFIG;
  return env;
}

/** Runs a program to its exit; resolves with its wall time (ms), rejects with its output's end when it fails. */
export function timed(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    const keep = (c: Buffer) => {
      said = (said + c.toString()).slice(-2_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}: ${said.trim()}`));
    });
  });
}

/** The median (nearest rank, as every bench reports it). */
export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Milliseconds to one decimal, for the JSON line. */
export function ms(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Runs each of `runs` `rounds` times, rotating which goes first (a b c, b c a, c a b, ...; for two:
 * a b, b a), so a drift of the machine during the run weighs on all alike. Returns the times of each.
 */
export async function rotate<T>(rounds: number, runs: ReadonlyArray<() => Promise<T>>): Promise<T[][]> {
  const out = runs.map(() => [] as T[]);
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < runs.length; i++) {
      const which = (round + i) % runs.length;
      out[which]?.push(await (runs[which] as () => Promise<T>)());
    }
  return out;
}

/** `rotate` for a candidate and its baseline. */
export async function alternate<T>(
  rounds: number,
  a: () => Promise<T>,
  b: () => Promise<T>,
): Promise<{ a: T[]; b: T[] }> {
  const [first = [], second = []] = await rotate(rounds, [a, b]);
  return { a: first, b: second };
}

const undos = new Set<() => unknown>();

/**
 * Registers what must be undone when the bench is interrupted (Ctrl-C, SIGTERM) before its own
 * `finally` runs: containers, a server, temporary folders. Returns the function that unregisters it.
 */
export function undoOnInterrupt(undo: () => unknown): () => void {
  undos.add(undo);
  return () => undos.delete(undo);
}

/** On SIGINT or SIGTERM: every registered undo, then exit 130. */
export function handleInterrupts(): void {
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void Promise.allSettled([...undos].map(async (undo) => undo())).then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
