import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from './built-cli.js';
import { until } from './wait.js';

/** A JSON log line of `dayshift serve`, as far as the tests read it. */
export interface LogLine {
  msg?: string;
  address?: string;
  file?: string;
  line?: number;
  col?: number;
}

/** The built `dayshift serve` on a free loopback port, its JSON log lines collected as they come. */
export class ServeProcess {
  readonly lines: LogLine[] = [];
  readonly child: ChildProcess;
  #stderr = '';

  constructor(configPath: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(
      process.execPath,
      [CLI, '--config', configPath, 'serve', '--listen', '127.0.0.1:0', '--shutdown-timeout', '2000'],
      { env: { ...process.env, DAYSHIFT_DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let partial = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) if (part.startsWith('{')) this.lines.push(JSON.parse(part) as LogLine);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
  }

  /** The first log line at or after `from` whose message starts with `prefix`. */
  logged(prefix: string, from = 0): LogLine | undefined {
    return this.lines.slice(from).find((l) => l.msg?.startsWith(prefix));
  }

  /** Where it serves (`http://127.0.0.1:port`), once it says so. */
  async address(): Promise<string> {
    return until(() => {
      if (this.child.exitCode !== null)
        throw new Error(`serve exited early (${this.child.exitCode}): ${this.#stderr}`);
      return this.lines.find((l) => l.msg?.startsWith('dayshift serving'))?.address;
    }, 'serve to listen');
  }

  /** SIGTERM, and its exit code once it exited. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    return exited;
  }
}
