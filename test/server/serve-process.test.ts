import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { bearer } from './server-harness.js';

const CLI = path.resolve('dist/cli/main.js');

interface ServeProcess {
  child: ChildProcess;
  baseUrl: string;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Starts the built `dayshift serve` on a free loopback port and waits until it says where it listens. */
async function serve(dir: string, extra: string[] = []): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [CLI, '--config', path.join(dir, 'dayshift.yaml'), 'serve', '--listen', '127.0.0.1:0', ...extra],
    {
      env: { ...process.env, DAYSHIFT_DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const address = await until(async () => {
    if (child.exitCode !== null)
      throw new Error(`serve exited early (${child.exitCode}): ${stderr}\n${lines.join('\n')}`);
    const line = lines
      .map((l) => JSON.parse(l) as { msg?: string; address?: string })
      .find((l) => l.msg === 'dayshift serving');
    return line?.address;
  }, 'serve to listen');
  return { child, baseUrl: address, lines, exited };
}

function cli(dir: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, '--config', path.join(dir, 'dayshift.yaml'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, DAYSHIFT_DATABASE_URL: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('dayshift serve as a process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-serve-'));
    writeFileSync(path.join(dir, 'dayshift.yaml'), 'version: 1\nstack: serve-test\n');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs JSON lines and, with no tokens yet, says how to create one', async () => {
    const node = await serve(dir);
    try {
      await until(
        async () => (node.lines.some((l) => l.includes(' token create --role admin')) ? true : undefined),
        'the hint',
      );
      for (const line of node.lines) expect(() => JSON.parse(line)).not.toThrow();
      expect((await fetch(`${node.baseUrl}/health`)).status).toBe(200);
    } finally {
      node.child.kill('SIGTERM');
      expect((await node.exited).code).toBe(0);
    }
  });

  it('on SIGTERM lets a running job finish within the deadline', async () => {
    const created = cli(dir, ['token', 'create', '--role', 'operator', '--name', 'ci-finish']);
    expect(created.status).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^dst_/);
    const node = await serve(dir, ['--shutdown-timeout', '10000']);
    const res = await fetch(`${node.baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'selftest', payload: { steps: 8, stepMs: 100 } }),
    });
    expect(res.status).toBe(201);
    const { job } = (await res.json()) as { job: { id: number } };
    await until(async () => {
      const r = await fetch(`${node.baseUrl}/api/v1/jobs/${job.id}`, { headers: bearer(token) });
      const body = (await r.json()) as { job: { status: string } };
      return body.job.status === 'running' ? true : undefined;
    }, 'the job to start');
    const signalledAt = Date.now();
    node.child.kill('SIGTERM');
    const exit = await node.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    const shown = cli(dir, ['--json', 'jobs', 'show', String(job.id)]);
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout).job.status).toBe('completed');
  });

  it('on SIGTERM puts a job that outlives the deadline back in the queue, never lost', async () => {
    const token = cli(dir, ['token', 'create', '--role', 'operator', '--name', 'ci-release']).stdout.trim();
    const node = await serve(dir, ['--shutdown-timeout', '300']);
    const res = await fetch(`${node.baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'selftest', payload: { steps: 200, stepMs: 100 } }),
    });
    const { job } = (await res.json()) as { job: { id: number } };
    await until(async () => {
      const r = await fetch(`${node.baseUrl}/api/v1/jobs/${job.id}`, { headers: bearer(token) });
      return ((await r.json()) as { job: { status: string } }).job.status === 'running' ? true : undefined;
    }, 'the job to start');
    const signalledAt = Date.now();
    node.child.kill('SIGTERM');
    const exit = await node.exited;
    expect(exit.code).toBe(0);
    // The deadline is 300 ms; closing the server and the store takes a little more.
    expect(exit.at - signalledAt).toBeLessThan(5_000);
    const shown = JSON.parse(cli(dir, ['--json', 'jobs', 'show', String(job.id)]).stdout) as {
      job: { status: string; leaseOwner: string | null };
    };
    expect(shown.job.status).toBe('queued');
    expect(shown.job.leaseOwner).toBeNull();
  });
});
