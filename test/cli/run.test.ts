/**
 * `dayshift run`, `approve`, `runs` and `run cancel` as users run them, each a process of the built
 * program on one embedded store:
 * - a run waits on its approve step; a second run is refused (exit 1) naming it; another terminal's
 *   `dayshift approve` lets it go on, and it ends with exit 0;
 * - `dayshift run cancel` stops a step running `sleep 600` with a child of its own: no process of its
 *   group survives, and the run's own command exits 1;
 * - a secret of the stack file that a step prints never reaches the terminal, the run record or the
 *   audit log; the audit log holds who started, approved and cancelled which run;
 * - wrong input exits 2 with what to do: an unknown runbook, a bad parameter.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers } from '../../src/drivers/shared/pids.js';
import { CLI } from '../helpers/built-cli.js';
import { until, within } from '../helpers/wait.js';

const CANARY = 'run-canary-5f0c1e9d7a';
const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-run-'));
const config = path.join(dir, 'dayshift.yaml');
const env = { ...process.env, NO_COLOR: '1', API_KEY: CANARY };
const children: ChildProcess[] = [];

beforeAll(() => {
  writeFileSync(
    config,
    `version: 1
notifiers:
  ops: { ntfy: { topic: ops, token: "\${API_KEY}" } }
runbooks:
  gated:
    description: restart the worker, once someone agrees
    steps:
      - approve: { message: "restart the worker?", timeout: 2m }
      - name: leak
        shell: echo "the key is ${CANARY}"
  long:
    steps:
      - name: sleeper
        shell: "sleep 600 & echo $$! > sleeper.pid; sleep 600"
  scaled:
    params:
      replicas: { type: number, default: 2, min: 1, max: 5 }
    steps:
      - shell: echo "replicas {{ params.replicas }}"
`,
  );
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args, '--config', config], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** A `dayshift run` left running in the background, with what it printed so far. */
function background(...args: string[]) {
  const child = spawn(process.execPath, [CLI, 'run', ...args, '--config', config], { env });
  children.push(child);
  const seen = { out: '', err: '' };
  child.stdout.on('data', (d: Buffer) => {
    seen.out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    seen.err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, seen, exited };
}

const runIdIn = (text: string) => Number(/run (\d+) of /.exec(text)?.[1]);

describe('dayshift run', () => {
  it('waits on an approval, refuses a second run, and goes on when another terminal approves', async () => {
    const first = background('gated');
    await until(
      () => (first.seen.out.includes('waiting for approval') ? true : undefined),
      () => `the run to wait: ${JSON.stringify(first.seen)}`,
    );
    const runId = runIdIn(first.seen.err);
    expect(first.seen.out).toContain(`approve with \`dayshift approve ${runId}\``);

    const second = cli('run', 'gated');
    expect(second.code).toBe(1);
    expect(second.err).toContain(`runbook gated is already running: run ${runId} (waiting)`);
    expect(second.err).toContain(`dayshift run cancel ${runId}`);

    const approved = cli('approve', String(runId));
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(new RegExp(`run ${runId}: approve approved by \\S+`));
    expect(await within(first.exited, 'the approved run to end')).toBe(0);
    expect(first.seen.out).toContain(`run ${runId} succeeded`);

    const shown = cli('run', 'show', String(runId), '--json');
    expect(shown.code).toBe(0);
    const run = JSON.parse(shown.out);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s: { name: string; outcome: string }) => `${s.name}:${s.outcome}`)).toEqual([
      'approve:pass',
      'leak:pass',
    ]);
    // The step printed the secret; what was kept has it scrubbed.
    expect(shown.out).not.toContain(CANARY);
    expect(run.steps[1].result.output).toContain('the key is');
    expect(first.seen.out + first.seen.err).not.toContain(CANARY);
  });

  it('is cancelled from another terminal: the step and its child are killed, and the run exits 1', async () => {
    const run = background('long');
    const pidFile = path.join(dir, 'sleeper.pid');
    const child = await until(
      () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined),
      'the step to start',
    );
    const group = Number(readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    expect(groupMembers(group).length).toBeGreaterThanOrEqual(2);
    const runId = runIdIn(run.seen.err);
    const cancel = cli('run', 'cancel', String(runId), '--reason', 'wrong window');
    expect(cancel.code).toBe(0);
    expect(await within(run.exited, 'the cancelled run to end')).toBe(1);
    expect(run.seen.out).toContain(`run ${runId} cancelled`);
    await until(
      () => (groupMembers(group).length === 0 ? true : undefined),
      `process group ${group} to be empty`,
      10_000,
    );
    expect(cli('run', 'cancel', String(runId)).code).toBe(1);
  });

  it('lists runs and keeps who did what in the audit log, without the secret', () => {
    const runs = cli('runs', '--runbook', 'gated');
    expect(runs.code).toBe(0);
    expect(runs.out).toMatch(/runbook\s+gated\s+succeeded/);
    const audit = cli('audit', '--json');
    expect(audit.code).toBe(0);
    const entries = JSON.parse(audit.out) as Array<{
      action: string;
      target: string;
      result: string;
      runId: number | null;
    }>;
    const actions = entries.map((e) => `${e.action} ${e.result.split(':')[0]}`);
    expect(actions).toEqual(
      expect.arrayContaining(['runbook.run ok', 'run.approve ok', 'run.cancel ok', 'runbook.run refused']),
    );
    expect(entries.find((e) => e.action === 'run.approve')?.runId).toBeGreaterThan(0);
    expect(audit.out).not.toContain(CANARY);
  });

  it('takes typed parameters, and exits 2 for a bad one or an unknown runbook, saying what exists', () => {
    const ok = cli('run', 'scaled', '--param', 'replicas=3', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).steps[0].result.output).toBe('replicas 3\n');
    const bad = cli('run', 'scaled', '--param', 'replicas=9');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('replicas must be at most 5');
    const unknown = cli('run', 'gatde');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no runbook `gatde`');
    expect(unknown.err).toContain('gated');
  });
});
