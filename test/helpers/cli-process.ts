import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from './built-cli.js';

/** How a CLI process ended, with all it printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The built CLI on a stack file as a process of its own (to run beside others, or to kill), its
 * output kept; `done` resolves when it has closed. Colours are off, as in a pipe.
 */
export function spawnCli(
  stackFile: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onClose?: () => void },
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI, '--config', stackFile, ...args], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code) => {
      options.onClose?.();
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done };
}
