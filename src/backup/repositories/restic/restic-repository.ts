import { PassThrough, type Readable } from 'node:stream';
import { DayshiftError } from '../../../errors.js';
import {
  describeEnd,
  type ProcessOptions,
  type ProcessOutcome,
  runProcess,
  streamProcess,
} from '../../../process/index.js';
import type { KeepPolicy } from '../shared/retention.js';
import { resticLocation, shownLocation } from './location.js';

/** restic's JSON answers (a list of snapshots, forget's groups) are read whole, up to this. */
const STDOUT_LIMIT = 32 * 1024 * 1024;
const STDERR_LIMIT = 64 * 1024;

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
  readonly #env: Record<string, string>;
  /** The password and backend credentials, scrubbed from whatever restic says. */
  readonly #secrets: string[];

  constructor(o: { repository: string; password: string; env?: Record<string, string>; baseDir?: string }) {
    this.#repository = resticLocation(o.repository, o.baseDir);
    this.#env = { ...o.env, RESTIC_REPOSITORY: this.#repository, RESTIC_PASSWORD: o.password };
    this.#secrets = [o.password, ...Object.values(o.env ?? {})];
  }

  /** Creates the repository when it does not exist yet; true when it did. */
  async ensure(): Promise<boolean> {
    const probe = await this.#run(['cat', 'config'], { allowFail: true });
    if (probe.exitCode === 0) return false;
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
    let bytes = 0;
    const counter = new PassThrough();
    counter.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    // The runner stops restic when its input fails, so a cut-short stream never becomes a snapshot.
    stream.on('error', (error) => counter.destroy(error));
    stream.pipe(counter);
    const args = ['backup', '--json', '--quiet', '--stdin', '--stdin-filename', name];
    args.push('--tag', `dayshift:${backup}`, '--host', 'dayshift');
    const outcome = await runProcess(
      { file: 'restic', args },
      { ...this.#options(signal), stdin: counter, rawStdout: true },
    );
    if (stream.errored) throw stream.errored;
    if (outcome.exitCode !== 0) throw this.#ended('backup', outcome);
    const summary = outcome.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { message_type?: string; snapshot_id?: string })
      .find((m) => m.message_type === 'summary');
    if (!summary?.snapshot_id) throw this.#failed('backup', 'exited with 0', 'no summary in its output');
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
    const run = streamProcess(
      { file: 'restic', args: ['dump', snapshot, `/${name}`] },
      this.#options(signal),
    );
    const out = new PassThrough();
    run.stdout.pipe(out, { end: false });
    // A reader that stops early (its restore failed) stops restic too, instead of leaving it on a full pipe.
    out.once('close', () => run.stdout.destroy());
    void run.outcome.then((outcome) => {
      if (outcome.exitCode === 0) out.end();
      else out.destroy(this.#ended('dump', outcome));
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
    const result = await this.#run(['check', `--read-data-subset=${readDataPercent}%`], {
      allowFail: true,
      shown: true,
    });
    return { ok: result.exitCode === 0, output: `${result.stdout}\n${result.stderr}`.trim().slice(-2_000) };
  }

  /** Runs restic to its end. Its stdout is JSON to read, kept as it is, unless it is `shown` to a user. */
  async #run(
    args: string[],
    options: { allowFail?: boolean; shown?: boolean } = {},
  ): Promise<ProcessOutcome> {
    const outcome = await runProcess(
      { file: 'restic', args },
      { ...this.#options(), rawStdout: options.shown !== true },
    );
    const command = args[0] ?? 'restic';
    if (outcome.startError || (outcome.exitCode !== 0 && !options.allowFail))
      throw this.#ended(command, outcome);
    if (outcome.truncated.stdout > 0)
      throw new DayshiftError(
        'BACKUP_FAILED',
        `restic ${command} printed more than ${STDOUT_LIMIT / 1024 / 1024} MiB; Dayshift reads no more than that`,
        { hint: `repository ${this.shown}: forget old snapshots with restic itself` },
      );
    return outcome;
  }

  #options(signal?: AbortSignal): ProcessOptions {
    return {
      env: this.#env,
      scrub: this.#secrets,
      tailBytes: { stdout: STDOUT_LIMIT, stderr: STDERR_LIMIT },
      ...(signal ? { signal } : {}),
    };
  }

  /** Why a restic run failed, from its outcome. */
  #ended(command: string, outcome: ProcessOutcome): DayshiftError {
    if (outcome.startError)
      return new DayshiftError('BACKUP_FAILED', `could not run restic: ${outcome.startError.message}`, {
        hint: 'install restic 0.14 or newer (Debian: apt-get install restic)',
        cause: outcome.startError,
      });
    return this.#failed(command, describeEnd(outcome), outcome.stderr.trim().slice(-1_000));
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

  #failed(command: string, ended: string, said: string): DayshiftError {
    if (/wrong password|no key found/i.test(said)) return this.#wrongPassword();
    return new DayshiftError('BACKUP_FAILED', `restic ${command} ${ended}${said ? `: ${said}` : ''}`, {
      hint: `repository ${this.shown}; nothing was kept by a failed backup`,
    });
  }
}
