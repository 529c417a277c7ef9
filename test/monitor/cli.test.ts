import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatStore } from '../../src/monitor/heartbeats.js';
import { openStore } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';

const CLI = path.resolve('dist/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-check-cli-'));
let server: Server;
let port = 0;

beforeAll(async () => {
  expect(existsSync(CLI)).toBe(true);
  server = createServer((req, res) => {
    const slow = req.url === '/slow';
    res.writeHead(slow ? 200 : req.url === '/health' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: req.url === '/health' ? 'ok' : 'down' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  writeFileSync(
    path.join(dir, 'dayshift.yaml'),
    `version: 1
services:
  web:
    checks:
      health: { http: { url: "http://127.0.0.1:${port}/health" }, expect: [ "status == 200", "json.status == 'ok'" ] }
      admin: { http: { url: "http://127.0.0.1:${port}/admin" }, expect: [ "status == 200" ], retries: 1 }
  cron:
    checks:
      nightly: { heartbeat: { period: 1d } }
`,
  );
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI without blocking this process: the HTTP server the checks call lives here. */
async function dayshift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, '--config', path.join(dir, 'dayshift.yaml'), ...args], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

describe('dayshift check and dayshift status', () => {
  it('runs the named checks, prints why one is red, and exits 0 when they pass', async () => {
    const ok = await dayshift('check', 'web.health', 'cron');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^SERVICE\s+CHECK\s+STATE\s+LATENCY\s+WHY$/m);
    expect(ok.stdout).toMatch(/^web\s+health\s+healthy\s+[\d.]+ms\s*$/m);
    expect(ok.stdout).toMatch(/^cron\s+nightly\s+healthy/m);
  });

  it('exits 1 when a check fails, with the failing condition and its actual value', async () => {
    const failed = await dayshift('check', 'web');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^web\s+admin\s+unhealthy\s+[\d.]+ms\s+status == 200 \(actual 503\)$/m);
  });

  it('prints every result in full with --json', async () => {
    const out = await dayshift('check', 'web.admin', '--json');
    const [result] = JSON.parse(out.stdout) as Array<Record<string, unknown>>;
    expect(result).toMatchObject({
      id: 'web.admin',
      verdict: 'unhealthy',
      state: 'unhealthy',
      outcome: 'fail',
      reason: 'status == 200 (actual 503)',
      conditions: [{ expr: 'status == 200', ok: false, actual: 503 }],
    });
  });

  it('exits 2 for a name that does not exist, and suggests the closest', async () => {
    const out = await dayshift('check', 'web.helth');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('no service or check named "web.helth" (did you mean `web.health`?)');
  });

  it('shows states, uptime and heartbeat URLs from the recorded runs', async () => {
    const out = await dayshift('status');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^web\s+health\s+healthy\s+\S+\s+\S+\s+[\d.]+ms\s+100%\s+100%\s*$/m);
    // Two failed runs of web.admin: retries 1 made it unhealthy at the first.
    expect(out.stdout).toMatch(
      /^web\s+admin\s+unhealthy\s+.*0\.00%\s+0\.00%\s+status == 200 \(actual 503\)$/m,
    );
    expect(out.stdout).toMatch(
      /^ {2}cron\.nightly {2}http:\/\/127\.0\.0\.1:7070\/ping\/[A-Za-z0-9_-]{20,}$/m,
    );
    const json = JSON.parse((await dayshift('status', '--json')).stdout) as Array<{
      id: string;
      uptime: Record<string, number>;
    }>;
    expect(json.find((c) => c.id === 'web.health')?.uptime).toEqual({ '24h': 100, '30d': 100 });
  });

  it("shows a heartbeat's last ping with the end of the body its job sent", async () => {
    const store = await openStore({ sqlitePath: path.join(dir, '.dayshift', 'state.db') });
    const output = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const pings = new HeartbeatStore(store.db, systemClock);
    await pings.ping('cron.nightly', {
      kind: 'fail',
      exitStatus: 4,
      method: 'POST',
      body: output,
      bodyBytes: output.length,
    });
    await store.close();
    const out = await dayshift('status');
    expect(out.stdout).toMatch(/^ {4}last ping: fail \(exit status 4\) at \S.*$/m);
    expect(out.stdout).toMatch(/^ {6}…\n {6}line 11\n(.|\n)* {6}line 30$/m);
    expect(out.stdout).not.toMatch(/^ {6}line 10$/m);
  });
});
