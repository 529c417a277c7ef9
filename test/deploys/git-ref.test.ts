/**
 * Deploying by git ref, against real git repositories in a temp folder (no mock of git or of the process
 * runner):
 * - `pin` resolves tags, branches and short shas to the full sha, refuses an unknown ref with the refs
 *   it knows, and with `fetch: true` sees what the remote has now: a new tag, a branch ahead of the local
 *   one, a tag moved to another commit;
 * - `apply` checks the tree out at a commit (discarding changes to tracked files, leaving untracked ones)
 *   and runs the steps in order with DAYSHIFT_REF, DAYSHIFT_COMMIT and DAYSHIFT_SERVICE; the first failing
 *   step stops the rest and is named in the error; a step past its timeout is killed with its whole
 *   process group; secrets of the stack file and those the caller gives never reach the output;
 * - `running` reports the commit the tree is at;
 * - with the shell driver: a server run from the work tree serves v2 after apply(v2) and the driver's
 *   restart, and v1 again after a rollback to v1's commit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import type { DeployDefinition } from '../../src/config/sections/deploys.js';
import { type RefStepResult, refReleases } from '../../src/deploys/git-ref.js';
import { groupMembers, groupOf, isAlive } from '../../src/drivers/shared/pids.js';
import { DayshiftError } from '../../src/errors.js';
import { ServiceHandle } from '../../src/services/service-control.js';
import { until } from '../helpers/wait.js';

const base = mkdtempSync(path.join(tmpdir(), 'dayshift-git-ref-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const bounds = { timeoutMs: 20_000 };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** A server run from the work tree: it serves the version its build step wrote, read once at start. */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const version = fs.readFileSync(path.join(__dirname, 'built'), 'utf8').trim();
const server = http.createServer((req, res) => res.end(version));
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync('app.port', String(server.address().port));
  fs.writeFileSync('app.pid.tmp', String(process.pid));
  fs.renameSync('app.pid.tmp', 'app.pid');
  console.log('serving ' + version);
});
process.on('SIGTERM', () => process.exit(0));
`;

/** A repository `app` with two commits, tagged v1 and v2, on the branch main; gives their shas. */
function makeRepo(dir: string): { v1: string; v2: string } {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'server.cjs'), SERVER);
  writeFileSync(path.join(dir, '.gitignore'), 'built\n');
  writeFileSync(path.join(dir, 'VERSION'), '1\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'version 1');
  git(dir, 'tag', 'v1');
  writeFileSync(path.join(dir, 'VERSION'), '2\n');
  git(dir, 'commit', '-q', '-am', 'version 2');
  git(dir, 'tag', 'v2');
  return { v1: git(dir, 'rev-parse', 'v1'), v2: git(dir, 'rev-parse', 'v2') };
}

const CANARY_HOOK = 'https://hooks.slack.example/services/T0/B0/canary-git-ref-hook';

/** The stack file's `deploys.app`, loaded as the CLI loads it; `deploy` is its YAML, indented 4. */
function stackWith(
  name: string,
  deploy: string,
  driver = 'none',
): { config: ReturnType<typeof loadConfigOrThrow>['config']; deploy: DeployDefinition } {
  const file = path.join(base, `${name}.yaml`);
  writeFileSync(
    file,
    `version: 1\nservices:\n  app:\n    driver: ${driver}\nnotifiers:\n  ops: { slack: { webhook_url: "\${HOOK}" } }\ndeploys:\n  app:\n${deploy}`,
  );
  const { config } = loadConfigOrThrow(file, { env: { HOOK: CANARY_HOOK } });
  return { config, deploy: config.deploys.app as DeployDefinition };
}

async function failure(promise: Promise<unknown>): Promise<DayshiftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DayshiftError);
  return error as DayshiftError;
}

describe('a work tree with v1 and v2', () => {
  const repo = path.join(base, 'app');
  let shas: { v1: string; v2: string };
  beforeAll(() => {
    shas = makeRepo(repo);
  });

  const restartable = `{ shell: { start: '"${process.execPath}" app/server.cjs &', pidfile: app.pid, log_file: app.log } }`;
  const build = (extra = '') =>
    stackWith(
      `build${extra ? '-more' : ''}`,
      `    repo: ./app\n    steps:\n      - { run: 'cp VERSION built && echo "$$DAYSHIFT_REF $$DAYSHIFT_COMMIT $$DAYSHIFT_SERVICE" > env.txt', name: build }\n${extra}`,
      restartable,
    );

  it('pins tags, branches and short shas to the full sha', async () => {
    const releases = refReleases('app', build().deploy, base);
    expect(await releases.pin('v1', bounds)).toBe(shas.v1);
    expect(await releases.pin('v2', bounds)).toBe(shas.v2);
    expect(await releases.pin('main', bounds)).toBe(shas.v2);
    expect(await releases.pin(shas.v1.slice(0, 7), bounds)).toBe(shas.v1);
    expect(await releases.pin(shas.v2, bounds)).toBe(shas.v2);
    expect(shas.v1).toMatch(/^[0-9a-f]{40}$/);
  });

  it("works in its own tree even when Dayshift runs with git's variables set (from a git hook)", async () => {
    const other = path.join(base, 'other');
    mkdirSync(other, { recursive: true });
    git(other, 'init', '-q', '-b', 'main');
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = path.join(other, '.git');
    try {
      expect(await refReleases('app', build().deploy, base).pin('v1', bounds)).toBe(shas.v1);
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
  });

  it('refuses a ref that names no commit, listing the refs it knows', async () => {
    const releases = refReleases('app', build().deploy, base);
    const error = await failure(releases.pin('v9', bounds));
    expect(error.code).toBe('REF_NOT_FOUND');
    expect(error.message).toBe('no commit in ./app for the ref `v9`');
    expect(error.hint).toContain('recent tags and branches: ');
    expect(error.hint).toContain('v2');
    expect(error.hint).toContain('set `fetch: true` under deploys.app');
    for (const bad of ['--all', 'v1 v2', ''])
      expect((await failure(releases.pin(bad, bounds))).code).toBe('REF_NOT_FOUND');
    const short = await failure(releases.apply('v1', { ...bounds, ref: 'v1' }));
    expect(short.code).toBe('REF_NOT_FOUND');
    expect(short.message).toBe('`v1` is not a full commit sha');
  });

  it('checks out a commit and runs its steps with the ref, commit and service; running reports it', async () => {
    const releases = refReleases('app', build().deploy, base);
    const seen: RefStepResult[] = [];
    const result = await releases.apply(shas.v1, { ...bounds, ref: 'v1', onStep: (s) => void seen.push(s) });
    expect(result.detail).toBe(`checked out v1 (${shas.v1.slice(0, 12)}) in ./app and ran 1 step`);
    expect(readFileSync(path.join(repo, 'built'), 'utf8')).toBe('1\n');
    expect(readFileSync(path.join(repo, 'env.txt'), 'utf8')).toBe(`v1 ${shas.v1} app\n`);
    expect(seen).toEqual([
      {
        name: 'build',
        ok: true,
        detail: 'the command exited with 0',
        output: '',
        durationMs: expect.any(Number),
      },
    ]);
    const running = await releases.running(bounds);
    expect(running.commit).toBe(shas.v1);
    expect(running.detail).toBe(`./app is at ${shas.v1.slice(0, 12)} (v1): version 1`);
  });

  it('discards changes to tracked files and leaves untracked ones', async () => {
    const releases = refReleases('app', build().deploy, base);
    writeFileSync(path.join(repo, 'VERSION'), 'edited by hand\n');
    writeFileSync(path.join(repo, 'uploads.txt'), 'user data\n');
    expect((await releases.running(bounds)).detail).toMatch(/, with local changes to tracked files$/);
    await releases.apply(shas.v2, { ...bounds, ref: 'v2' });
    expect(readFileSync(path.join(repo, 'VERSION'), 'utf8')).toBe('2\n');
    expect(readFileSync(path.join(repo, 'built'), 'utf8')).toBe('2\n');
    expect(readFileSync(path.join(repo, 'uploads.txt'), 'utf8')).toBe('user data\n');
    const running = await releases.running(bounds);
    expect(running.commit).toBe(shas.v2);
    expect(running.detail).toBe(`./app is at ${shas.v2.slice(0, 12)} (v2): version 2`);
  });

  it('stops at the first failing step, naming it, its exit and the end of its output', async () => {
    rmSync(path.join(repo, 'never-ran'), { force: true });
    const { deploy } = build(
      "      - { run: 'echo applying 0042; echo migration 0042 failed >&2; exit 3', name: migrate }\n      - { run: 'touch never-ran', name: collectstatic }\n",
    );
    const seen: RefStepResult[] = [];
    const error = await failure(
      refReleases('app', deploy, base).apply(shas.v2, {
        ...bounds,
        ref: 'v2',
        onStep: (s) => void seen.push(s),
      }),
    );
    expect(error.code).toBe('DEPLOY_STEP_FAILED');
    expect(error.message).toBe(
      `step \`migrate\` of the deploy of \`app\` at v2 (${shas.v2.slice(0, 12)}) failed: its command exited with 3; its output ends:\napplying 0042\nmigration 0042 failed`,
    );
    expect(error.hint).toContain('the steps after it did not run');
    expect(seen.map((s) => [s.name, s.ok, s.detail])).toEqual([
      ['build', true, 'the command exited with 0'],
      ['migrate', false, 'the command exited with 3'],
    ]);
    expect(seen[1]?.output).toBe('applying 0042\nmigration 0042 failed\n');
    expect(existsSync(path.join(repo, 'never-ran'))).toBe(false);
  });

  it("kills a step's whole process group at the step's timeout", async () => {
    rmSync(path.join(repo, 'child.pid'), { force: true });
    const { deploy } = stackWith(
      'slow',
      "    repo: ./app\n    steps:\n      - { run: 'sleep 60 & echo $! > child.pid; wait', name: slow, timeout: 300ms }\n",
      restartable,
    );
    const error = await failure(refReleases('app', deploy, base).apply(shas.v2, { ...bounds, ref: 'v2' }));
    expect(error.code).toBe('DEPLOY_STEP_FAILED');
    expect(error.message).toContain('step `slow` of the deploy of `app` at v2');
    expect(error.message).toContain('failed: its command was stopped at its timeout');
    const child = Number(readFileSync(path.join(repo, 'child.pid'), 'utf8'));
    await until(
      () => (isAlive(child) ? undefined : true),
      `the step's background child ${child} to be killed`,
    );
  });

  it("scrubs the stack file's secrets and the caller's from a step's output and the error", async () => {
    const { deploy } = stackWith(
      'secrets',
      `    repo: ./app\n    steps:\n      - { run: 'echo "hook ${CANARY_HOOK}"; echo "db canary-dotenv-password"; exit 1', name: leak }\n`,
      restartable,
    );
    const seen: RefStepResult[] = [];
    const error = await failure(
      refReleases('app', deploy, base, ['canary-dotenv-password']).apply(shas.v2, {
        ...bounds,
        ref: 'v2',
        onStep: (s) => void seen.push(s),
      }),
    );
    expect(seen[0]?.output).toBe('hook [redacted]\ndb [redacted]\n');
    expect(error.message).toContain('hook [redacted]\ndb [redacted]');
    expect(`${error.message}${error.hint}`).not.toMatch(/canary/);
  });

  it('keeps a sha whole when a secret happens to be part of it', async () => {
    const part = shas.v2.slice(10, 16);
    const releases = refReleases('app', build().deploy, base, [part]);
    expect(await releases.pin('v2', bounds)).toBe(shas.v2);
    await releases.apply(shas.v2, { ...bounds, ref: 'v2' });
    expect((await releases.running(bounds)).commit).toBe(shas.v2);
  });

  it('says so when the repo is not a git work tree, or does not exist', async () => {
    mkdirSync(path.join(base, 'plain'), { recursive: true });
    const plain = refReleases('app', stackWith('plain', '    repo: ./plain\n', restartable).deploy, base);
    const running = await plain.running(bounds);
    expect(running.commit).toBeUndefined();
    expect(running.detail).toBe("the deploy's repo ./plain is not a git work tree");
    const error = await failure(plain.pin('v1', bounds));
    expect(error.code).toBe('GIT_FAILED');
    expect(error.hint).toContain('git clone');
    const missing = refReleases('app', stackWith('missing', '    repo: ./gone\n', restartable).deploy, base);
    expect((await failure(missing.pin('v1', bounds))).message).toBe(
      "the deploy's repo ./gone does not exist",
    );
    expect(await missing.running(bounds)).toEqual({ detail: "the deploy's repo ./gone does not exist" });
  });
});

describe('with fetch: true', () => {
  const upstream = path.join(base, 'upstream');
  const clone = path.join(base, 'fetched');
  let shas: { v1: string; v2: string };
  beforeAll(() => {
    shas = makeRepo(upstream);
    git(base, 'clone', '-q', '--bare', upstream, 'origin.git');
    git(base, 'clone', '-q', path.join(base, 'origin.git'), clone);
    git(clone, 'checkout', '-q', '--detach', 'v2');
  });

  it('resolves what the remote has now: a new tag, a branch ahead, a moved tag', async () => {
    const { deploy } = stackWith(
      'fetch',
      '    repo: ./fetched\n    fetch: true\n    steps: [ "cp VERSION built" ]\n',
      `{ shell: { start: ./run, pidfile: run.pid } }`,
    );
    const releases = refReleases('app', deploy, base);
    writeFileSync(path.join(upstream, 'VERSION'), '3\n');
    git(upstream, 'commit', '-q', '-am', 'version 3');
    git(upstream, 'tag', 'v3');
    git(upstream, 'tag', '-f', 'v1', 'v3');
    const v3 = git(upstream, 'rev-parse', 'v3');
    git(upstream, 'push', '-q', '--force', path.join(base, 'origin.git'), 'main', 'v3', 'v1');
    expect(git(clone, 'rev-parse', 'main')).toBe(shas.v2);

    expect(await releases.pin('v3', bounds)).toBe(v3);
    expect(await releases.pin('main', bounds)).toBe(v3);
    expect(await releases.pin('v1', bounds)).toBe(v3);
    expect(await releases.pin('v2', bounds)).toBe(shas.v2);
    const error = await failure(releases.pin('v4', bounds));
    expect(error.code).toBe('REF_NOT_FOUND');
    expect(error.hint).toContain('it was fetched from origin first');
    await releases.apply(v3, { ...bounds, ref: 'v3' });
    expect(readFileSync(path.join(clone, 'built'), 'utf8')).toBe('3\n');
  });
});

describe('with the shell driver', () => {
  const repo = path.join(base, 'served');
  const served: number[] = [];
  let handle: ServiceHandle;
  afterAll(async () => {
    await handle?.act('stop', bounds).catch(() => undefined);
    // Whatever a failed assertion left running goes with the test.
    for (const group of served) for (const member of groupMembers(group)) process.kill(member, 'SIGKILL');
  });

  it('serves v2 after apply(v2) and a restart, and v1 again after a rollback to its commit', async () => {
    const shas = makeRepo(repo);
    const { config, deploy } = stackWith(
      'served',
      '    repo: ./served\n    steps: [ "cp VERSION built" ]\n',
      `{ shell: { start: '"${process.execPath}" served/server.cjs &', pidfile: app.pid, log_file: app.log } }`,
    );
    handle = new ServiceHandle(config, base, 'app');
    const releases = refReleases('app', deploy, base);
    const answer = async () =>
      (await fetch(`http://127.0.0.1:${readFileSync(path.join(base, 'app.port'), 'utf8')}/`)).text();
    const serving = async () => {
      const { pid, state } = await handle.status();
      expect(state).toBe('running');
      const group = groupOf(pid as number);
      if (group !== undefined) served.push(group);
      return answer();
    };

    await releases.apply(await releases.pin('v1', bounds), { ...bounds, ref: 'v1' });
    await handle.act('start', bounds);
    expect(await serving()).toBe('1');

    await releases.apply(await releases.pin('v2', bounds), { ...bounds, ref: 'v2' });
    expect(await answer()).toBe('1');
    await handle.act('restart', bounds);
    expect(await serving()).toBe('2');
    expect((await releases.running(bounds)).commit).toBe(shas.v2);

    await releases.apply(shas.v1, { ...bounds, ref: 'v1' });
    await handle.act('restart', bounds);
    expect(await serving()).toBe('1');
    expect((await releases.running(bounds)).commit).toBe(shas.v1);
  });
});
