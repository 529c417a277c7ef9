import { existsSync } from 'node:fs';
import { lastLines } from '../drivers/shared/log-lines.js';
import { DayshiftError } from '../errors.js';
import { describeEnd, type ProcessOutcome, runProcess } from '../process/index.js';
import { scrubSecrets } from '../schema/secret.js';

/** Bounds every git program of a deploy is given: what is left of the deploy's time, and its signal. */
export interface GitBounds {
  signal?: AbortSignal;
  timeoutMs: number;
}

/**
 * Stdout is data to parse (a sha): kept unscrubbed, since a short secret may happen to be part of a
 * sha and would corrupt it. What of it is shown must be scrubbed by the caller.
 */
export interface GitRun extends GitBounds {
  raw?: boolean;
}

/** Runs git in one work tree and says how it ended; `failed` turns an outcome into GIT_FAILED. */
export interface Git {
  run(args: readonly string[], bounds: GitRun): Promise<ProcessOutcome>;
  /** Runs git and gives its stdout, or throws GIT_FAILED saying what it was doing (`what`) with git's words. */
  ok(args: readonly string[], bounds: GitBounds, what: string): Promise<string>;
  failed(what: string, outcome: ProcessOutcome): DayshiftError;
}

/**
 * Git in a deploy's work tree, through the one process runner (its own process group, killed at the
 * timeout or on abort, output bounded and scrubbed of `scrub` and every known secret). It never asks
 * for a password on a terminal (a fetch that needs one fails instead), and speaks English, so its
 * words in an error read the same on every machine. `shown` is how the tree is named in messages.
 */
export function gitIn(dir: string, shown: string, scrub: readonly string[]): Git {
  const run = async (args: readonly string[], bounds: GitRun): Promise<ProcessOutcome> => {
    // A missing folder would otherwise read as "git could not start", blaming git.
    if (!existsSync(dir))
      throw new DayshiftError('GIT_FAILED', `the deploy's repo ${shown} does not exist`, {
        hint: 'clone the application there, or change `repo:` to the folder of its git work tree',
      });
    return runProcess(
      { file: 'git', args: ['-c', 'advice.detachedHead=false', ...args] },
      {
        cwd: dir,
        // Git's own variables from Dayshift's environment (a hook's GIT_DIR) would point it elsewhere.
        env: {
          GIT_TERMINAL_PROMPT: '0',
          LC_ALL: 'C',
          GIT_DIR: undefined,
          GIT_WORK_TREE: undefined,
          GIT_INDEX_FILE: undefined,
        },
        timeoutMs: Math.max(1, bounds.timeoutMs),
        signal: bounds.signal,
        scrub,
        rawStdout: bounds.raw === true,
      },
    );
  };
  const failed = (what: string, outcome: ProcessOutcome): DayshiftError => {
    // Stdout may be raw (a sha to parse): scrubbed here, as it is shown.
    const said = scrubSecrets(lastLines(outcome.stderr || outcome.stdout, 3).trim(), scrub);
    const notTree = /not a git repository/i.test(said);
    return new DayshiftError(
      'GIT_FAILED',
      notTree
        ? `the deploy's repo ${shown} is not a git work tree`
        : `${what} in ${shown} failed: git ${describeEnd(outcome)}${said ? `: ${said}` : ''}`,
      {
        hint: notTree
          ? 'clone the application there (`git clone <url> <repo>`), or change `repo:`'
          : /dubious ownership/i.test(said)
            ? `git refuses a work tree another user owns: run Dayshift as its owner, or \`git config --global --add safe.directory ${dir}\` as Dayshift's user`
            : outcome.startError
              ? 'install git on this node'
              : 'run the same git command in the work tree to see why; a fetch that needs credentials must find them without a prompt',
      },
    );
  };
  return {
    run,
    failed,
    async ok(args, bounds, what) {
      const outcome = await run(args, bounds);
      if (outcome.exitCode !== 0) throw failed(what, outcome);
      return outcome.stdout;
    },
  };
}
