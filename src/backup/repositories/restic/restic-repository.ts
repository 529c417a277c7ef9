import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { DayshiftError } from '../../../errors.js';
import { stderrTail } from '../../sources/shared/dump.js';
import type { KeepPolicy } from '../shared/retention.js';
import { resticLocation, shownLocation } from './location.js';

/** A snapshot as restic lists it. */
export interface ResticSnapshot {
  id: string;
  time: string;
  tags: string[];
  paths: string[];
}

/**
 * A restic repository through the restic command line (0.14 and newer): any backend restic knows.
 * The password and backend credentials travel in the environment, never on a command line. Each
 * backup's snapshots carry the tag `dayshift:<backup>`.
 */
export class ResticRepository {
  readonly #repository: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(o: { repository: string; password: string; env?: Record<string, string>; baseDir?: string }) {
    this.#repository = resticLocation(o.repository, o.baseDir);
    this.#env = { ...o.env, RESTIC_REPOSITORY: this.#repository, RESTIC_PASSWORD: o.password };
  }

  /** Creates the repository when it does not exist yet; true when it did. */
  async ensure(): Promise<boolean> {
    const probe = await this.#run(['cat', 'config'], { allowFail: true });
    if (probe.code === 0) return false;
    if (/wrong password|no key found/i.test(probe.stderr)) throw this.#wrongPassword();
    await this.#run(['init']);
    return true;
  }

  /** The repository as it may be shown: a `user:password@` in a URL is hidden. */
  get shown(): string {
    return shownLocation(this.#repository);
  }

  /** Streams one dump into a new snapshot; resolves with restic's snapshot id. */
  async backup(
    backup: string,
    name: string,
    stream: Readable,
    signal?: AbortSignal,
  ): Promise<{ id: string; bytes: number }> {
    const child = spawn(
      'restic',
      [
        'backup',
        '--json',
        '--quiet',
        '--stdin',
        '--stdin-filename',
        name,
        '--tag',
        `dayshift:${backup}`,
        '--host',
        'dayshift',
      ],
      { env: { ...process.env, ...this.#env }, stdio: ['pipe', 'pipe', 'pipe'], signal },
    );
    const tail = stderrTail(child);
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    let bytes = 0;
    const counter = new PassThrough();
    counter.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    child.stdin.on('error', () => {
      // restic stopped reading; its exit code says why
    });
    stream.on('error', () => child.kill('SIGTERM'));
    stream.pipe(counter).pipe(child.stdin);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (stream.errored) throw stream.errored;
    if (code !== 0) throw this.#failed('backup', code, tail());
    const summary = out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { message_type?: string; snapshot_id?: string })
      .find((m) => m.message_type === 'summary');
    if (!summary?.snapshot_id) throw this.#failed('backup', code, 'no summary in its output');
    return { id: summary.snapshot_id, bytes };
  }

  async snapshots(backup: string): Promise<ResticSnapshot[]> {
    const { stdout } = await this.#run(['snapshots', '--json', '--tag', `dayshift:${backup}`]);
    const list = JSON.parse(stdout || '[]') as Array<{
      id: string;
      time: string;
      tags?: string[];
      paths?: string[];
    }>;
    return list
      .map((s) => ({ id: s.id, time: s.time, tags: s.tags ?? [], paths: s.paths ?? [] }))
      .sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  }

  /** One file of a snapshot, streamed out with `restic dump`. */
  read(snapshot: string, name: string, signal?: AbortSignal): Readable {
    const child = spawn('restic', ['dump', snapshot, `/${name}`], {
      env: { ...process.env, ...this.#env },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    const tail = stderrTail(child);
    const out = new PassThrough();
    child.stdout.pipe(out, { end: false });
    child.once('close', (code) => {
      if (code === 0) out.end();
      else out.destroy(this.#failed('dump', code, tail()));
    });
    return out;
  }

  /** `forget --keep-* --prune` on this backup's snapshots. */
  async forget(backup: string, keep: KeepPolicy): Promise<{ removed: string[] }> {
    const flags = Object.entries(keep)
      .filter(([, n]) => typeof n === 'number' && n > 0)
      .flatMap(([rule, n]) => [`--keep-${rule}`, String(n)]);
    if (flags.length === 0) return { removed: [] };
    const { stdout } = await this.#run([
      'forget',
      '--json',
      '--prune',
      '--tag',
      `dayshift:${backup}`,
      ...flags,
    ]);
    const groups = JSON.parse(stdout.split('\n').find((l) => l.startsWith('[')) ?? '[]') as Array<{
      remove?: Array<{ id: string }> | null;
    }>;
    return { removed: groups.flatMap((g) => (g.remove ?? []).map((s) => s.id)) };
  }

  /** `forget --prune` of these snapshots by id. */
  async forgetIds(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#run(['forget', '--prune', ...ids]);
  }

  /** `check --read-data-subset`; a failure says what restic found. */
  async verify(readDataPercent = 5): Promise<{ ok: boolean; output: string }> {
    const result = await this.#run(['check', `--read-data-subset=${readDataPercent}%`], { allowFail: true });
    return { ok: result.code === 0, output: `${result.stdout}\n${result.stderr}`.trim().slice(-2_000) };
  }

  async #run(
    args: string[],
    options: { allowFail?: boolean } = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn('restic', args, {
      env: { ...process.env, ...this.#env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) =>
        reject(
          new DayshiftError('BACKUP_FAILED', `could not run restic: ${error.message}`, {
            hint: 'install restic 0.14 or newer (Debian: apt-get install restic)',
          }),
        ),
      );
      child.once('close', resolve);
    });
    if (code !== 0 && !options.allowFail)
      throw this.#failed(args[0] ?? 'restic', code, stderr.trim().slice(-1_000));
    return { code, stdout, stderr };
  }

  #wrongPassword(): DayshiftError {
    return new DayshiftError(
      'BACKUP_PASSPHRASE',
      `the password does not open the restic repository ${this.shown}`,
      {
        hint: 'check the variable that holds it; nothing was read or written',
      },
    );
  }

  #failed(command: string, code: number | null, said: string): DayshiftError {
    if (/wrong password|no key found/i.test(said)) return this.#wrongPassword();
    return new DayshiftError(
      'BACKUP_FAILED',
      `restic ${command} exited with ${code}${said ? `: ${said}` : ''}`,
      {
        hint: `repository ${this.shown}; nothing was kept by a failed backup`,
      },
    );
  }
}
