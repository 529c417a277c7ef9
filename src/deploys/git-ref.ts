import path from 'node:path';
import { DEFAULTS } from '../config/defaults.js';
import type { DeployDefinition } from '../config/sections/deploys.js';
import { lastLines } from '../drivers/shared/log-lines.js';
import { DayshiftError } from '../errors.js';
import { commandOf, describeEnd, runProcess } from '../process/index.js';
import { parseDuration } from '../schema/duration.js';
import { scrubSecrets } from '../schema/secret.js';
import { type GitBounds, gitIn } from './git.js';

/*
 * Glossary.
 * - work tree: the deploy's `repo:`, a git clone the service runs from (003's Django app).
 * - pin: resolving a ref (a tag, a branch, a short sha) to the full commit sha; a tag or branch may
 *   move later, the sha cannot, so a release records the sha and a rollback checks it out again.
 * - step: a command of the deploy's `steps:`, run in the work tree after the checkout (install,
 *   migrate, collect static files, `check --deploy`).
 */

/** One step of a deploy by ref as it ended, for the caller to record as evidence. */
export interface RefStepResult {
  name: string;
  ok: boolean;
  /** How its command ended: "the command exited with 0", "... was stopped at its timeout". */
  detail: string;
  /** The end of its output (stdout and stderr as they came), bounded, secrets scrubbed. */
  output: string;
  durationMs: number;
}

export interface RefApplyOptions extends GitBounds {
  /** The ref as asked (`v2`, `main`), given to the steps as DAYSHIFT_REF. */
  ref: string;
  /** Told each step as it ends, before the next starts. */
  onStep?: (step: RefStepResult) => Promise<void> | void;
}

/** How a service that is not a container is deployed by git ref: what runs now, pin, apply. */
export interface RefReleases {
  /** The commit the work tree is at now (for drift), with a one-line detail; no commit when it has none. */
  running(options: GitBounds): Promise<{ commit?: string; detail: string }>;
  /**
   * Fetches first when the deploy says `fetch:`, then resolves `ref` to a full commit sha. Throws
   * REF_NOT_FOUND when it names no commit, GIT_FAILED when the tree or the fetch fails.
   */
  pin(ref: string, options: GitBounds): Promise<string>;
  /**
   * Checks the work tree out at `commit` (detached, forced) and runs the deploy's steps in it in order.
   * The first failing step throws DEPLOY_STEP_FAILED; those after it do not run.
   */
  apply(commit: string, options: RefApplyOptions): Promise<{ detail: string }>;
}

/** A full commit sha, as `pin` gives it: SHA-1, or SHA-256 for a repository that uses it. */
const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it refuses
const UNSAFE_REF = /[\s\u0000-\u001f\u007f]/;
/** The remote a fetch in a detached work tree updates. */
const REMOTE = 'origin';

/**
 * Deploying `service` by ref from the work tree its deploy names (`repo:`, relative to `baseDir`, the
 * stack file's folder). Git and every step run through the one process runner: each in its own process
 * group, killed whole at its timeout or when `signal` aborts; their output is bounded and scrubbed of
 * every secret of the stack file and of `secrets` (values the caller knows are secret, such as the
 * `.env` values the steps read).
 *
 * The checkout is `git checkout --force --detach <sha>`: local changes to tracked files are discarded,
 * so the tree is exactly the commit's. Untracked and ignored files are left as they are (a virtualenv,
 * collected static files, uploads, a `.env`), unless the commit tracks a file at the same path, which
 * then replaces it. Nothing is cleaned: a step that needs a clean build folder removes it itself.
 */
export function refReleases(
  service: string,
  deploy: DeployDefinition,
  baseDir: string,
  secrets: readonly string[] = [],
): RefReleases {
  if (deploy.repo === undefined)
    throw new DayshiftError(
      'ACTION_UNSUPPORTED',
      `service \`${service}\` is not deployed by ref: its \`deploys:\` entry has no \`repo:\``,
      { hint: 'give it `repo:` (its git work tree) and `steps:`, or deploy it with --image' },
    );
  const dir = path.resolve(baseDir, deploy.repo);
  const git = gitIn(dir, deploy.repo, secrets);
  const steps = deploy.steps ?? [];
  const stepTimeout = parseDuration(DEFAULTS.deploy.stepTimeout) as number;

  const resolve = async (candidate: string, bounds: GitBounds): Promise<string | undefined> => {
    const outcome = await git.run(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], {
      ...bounds,
      raw: true,
    });
    if (outcome.exitCode === 0) return outcome.stdout.trim();
    // --quiet exits 1 without a word for a name that is no commit; anything else is git failing.
    if (outcome.exitCode !== 1 || outcome.stderr.trim()) throw git.failed(`resolving ${candidate}`, outcome);
    return undefined;
  };

  const notFound = async (ref: string, bounds: GitBounds): Promise<DayshiftError> => {
    const known = await git.run(
      [
        'for-each-ref',
        '--count=8',
        '--sort=-creatordate',
        '--format=%(refname:short)',
        'refs/tags',
        'refs/heads',
      ],
      bounds,
    );
    const names = known.exitCode === 0 ? known.stdout.split('\n').filter(Boolean) : [];
    return new DayshiftError('REF_NOT_FOUND', `no commit in ${deploy.repo} for the ref \`${ref}\``, {
      hint: [
        names.length > 0 ? `recent tags and branches: ${names.join(', ')}` : undefined,
        deploy.fetch
          ? `it was fetched from ${REMOTE} first; push the ref there`
          : `run \`git fetch --tags\` in ${deploy.repo}, or set \`fetch: true\` under deploys.${service}`,
      ]
        .filter(Boolean)
        .join('; '),
    });
  };

  return {
    async running(options) {
      // For status and drift: a tree that is missing or broken is said, not thrown.
      const log = await git
        .run(['log', '-1', '--format=%H%x00%D%x00%s'], { ...options, raw: true })
        .catch((error: unknown) => {
          if (error instanceof DayshiftError) return error;
          throw error;
        });
      if (log instanceof DayshiftError) return { detail: log.message };
      if (log.exitCode !== 0) return { detail: git.failed('reading the current commit', log).message };
      // Raw, so the sha is whole; the words shown are scrubbed here.
      const [commit = '', names = '', raw = ''] = log.stdout.trim().split('\u0000');
      const subject = scrubSecrets(raw, secrets);
      const tags = scrubSecrets(names, secrets)
        .split(', ')
        .filter((n) => n.startsWith('tag: '))
        .map((n) => n.slice('tag: '.length));
      const status = await git.run(['status', '--porcelain', '--untracked-files=no'], options);
      const dirty = status.exitCode === 0 && status.stdout.trim() !== '';
      return {
        commit,
        detail: `${deploy.repo} is at ${commit.slice(0, 12)}${tags.length ? ` (${tags.join(', ')})` : ''}: ${subject}${dirty ? ', with local changes to tracked files' : ''}`,
      };
    },

    async pin(ref, options) {
      // A ref is never an option to git, nor a revision expression with spaces or control characters.
      if (!ref || ref.startsWith('-') || UNSAFE_REF.test(ref))
        throw new DayshiftError(
          'REF_NOT_FOUND',
          'the ref to deploy is not a git ref: it is empty, starts with -, or holds a space or a control character',
          { hint: 'give a tag, a branch or a commit sha: --ref v2.3.0' },
        );
      const deadline = Date.now() + options.timeoutMs;
      const bounds = () => ({ signal: options.signal, timeoutMs: deadline - Date.now() });
      if (deploy.fetch)
        // --force: a tag moved on the remote replaces the local one ("would clobber existing tag").
        await git.ok(['fetch', '--tags', '--prune', '--force', REMOTE], bounds(), 'git fetch');
      // After a fetch the local branch is behind: a branch name means the remote's, unless a tag has it.
      const candidates = deploy.fetch ? [`refs/tags/${ref}`, `refs/remotes/${REMOTE}/${ref}`, ref] : [ref];
      for (const candidate of candidates) {
        const sha = await resolve(candidate, bounds());
        if (sha && FULL_SHA.test(sha)) return sha;
      }
      throw await notFound(ref, bounds());
    },

    async apply(commit, options) {
      if (!FULL_SHA.test(commit))
        throw new DayshiftError('REF_NOT_FOUND', `\`${commit}\` is not a full commit sha`, {
          hint: 'pin the ref first: a release applies the commit it resolved to, never a name that may move',
        });
      const deadline = Date.now() + options.timeoutMs;
      const left = () => Math.max(1, deadline - Date.now());
      const short = commit.slice(0, 12);
      await git.ok(
        ['checkout', '--force', '--detach', commit],
        { signal: options.signal, timeoutMs: left() },
        `checking out ${options.ref} (${short})`,
      );
      for (const step of steps) {
        const outcome = await runProcess(commandOf(step.run), {
          cwd: dir,
          env: { DAYSHIFT_REF: options.ref, DAYSHIFT_COMMIT: commit, DAYSHIFT_SERVICE: service },
          timeoutMs: Math.min(step.timeout ?? stepTimeout, left()),
          signal: options.signal,
          mergeOutput: true,
          tailBytes: { stdout: DEFAULTS.runbook.outputBytes },
          scrub: secrets,
        });
        const ok = outcome.exitCode === 0;
        const end = describeEnd(outcome);
        await options.onStep?.({
          name: step.name,
          ok,
          detail: `the command ${end}`,
          output: outcome.stdout,
          durationMs: outcome.durationMs,
        });
        if (ok) continue;
        const tail = lastLines(outcome.stdout, 10).trim();
        throw new DayshiftError(
          'DEPLOY_STEP_FAILED',
          `step \`${step.name}\` of the deploy of \`${service}\` at ${options.ref} (${short}) failed: its command ${end}${tail ? `; its output ends:\n${tail}` : ', printing nothing'}`,
          {
            hint: `the steps after it did not run; ${deploy.repo} is left at ${short}: fix the step, or deploy a ref that passes`,
          },
        );
      }
      return {
        detail: `checked out ${options.ref} (${short}) in ${deploy.repo} and ran ${steps.length} step${steps.length === 1 ? '' : 's'}`,
      };
    },
  };
}
