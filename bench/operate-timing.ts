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
 * Runs `a` and `b` `rounds` times each, alternating which goes first (a b, b a, a b, ...), so a drift
 * of the machine during the run weighs on both alike. Returns the times of each.
 */
export async function alternate<T>(
  rounds: number,
  a: () => Promise<T>,
  b: () => Promise<T>,
): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}
