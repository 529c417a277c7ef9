import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../config/fixtures.js';
import { ServeProcess } from '../helpers/serve-process.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { Target } from '../helpers/target.js';
import { until } from '../helpers/wait.js';

interface CheckRow {
  id: string;
  state: string;
  lastAt: number | null;
  lastOutcome: string | null;
}

function cli(configPath: string, args: string[]) {
  const result = spawnSync(process.execPath, [CLI, '--config', configPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DAYSHIFT_DATABASE_URL: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.each(STORE_KINDS)('serve reloads its stack file on SIGHUP (%s)', (kind) => {
  let store: TestStore;
  let dir: string;
  let configPath: string;
  let up: Target;
  let down: Target;
  let serve: ServeProcess | undefined;

  /** A stack file with a tcp check per entry: `{ name: port }`, every 300 ms, one failure is unhealthy. */
  const writeStack = (checks: Record<string, number>) => {
    const lines = Object.entries(checks).map(
      ([name, port]) =>
        `      ${name}: { tcp: { host: 127.0.0.1, port: ${port} }, every: 300ms, timeout: 250ms, retries: 1 }`,
    );
    writeFileSync(
      configPath,
      `version: 1\nstack: reload-test\n${storeYaml(store.options)}\nservices:\n  web:\n    checks:\n${lines.join('\n')}\n`,
    );
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-reload-'));
    configPath = path.join(dir, 'dayshift.yaml');
    up = await Target.start();
    // A port that was open and is closed now: connecting to it is refused at once.
    down = await Target.start();
    await down.down();
  });
  afterEach(async () => {
    if (serve) expect(await serve.stop()).toBe(0);
    serve = undefined;
  });
  afterAll(async () => {
    await up.down();
    await store.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, changes and removes checks, refuses a bad file and keeps the old one, and status says when the file is not reloaded', async () => {
    writeStack({ a: up.port, b: up.port });
    const token = cli(configPath, ['token', 'create', '--role', 'viewer', '--name', 'reload']).stdout.trim();
    expect(token).toMatch(/^dst_/);
    serve = new ServeProcess(configPath);
    const base = await serve.address();
    const pid = serve.child.pid as number;
    const checks = async (): Promise<Map<string, CheckRow>> => {
      const res = await fetch(`${base}/api/v1/checks`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { checks: CheckRow[] };
      return new Map(body.checks.map((c) => [c.id, c]));
    };
    await until(async () => ((await checks()).get('web.b')?.state === 'healthy' ? true : undefined), 'web.b');

    // Edited, not reloaded: status says so and how.
    writeStack({ a: up.port, b: down.port, c: up.port });
    const before = cli(configPath, ['status']);
    expect(before.status).toBe(0);
    expect(before.stdout).toContain(
      `the file on disk differs from the one being served by ${pidNode(pid)} (reload with kill -HUP ${pid})`,
    );

    let from = serve.lines.length;
    process.kill(pid, 'SIGHUP');
    const reloaded = await until(() => serve?.logged('reloaded:', from), 'the reload');
    expect(reloaded.msg).toBe('reloaded: 1 check added, 1 changed, 0 removed');
    await until(async () => {
      const now = await checks();
      // The added check runs; the changed one runs against its new port, which refuses.
      return now.get('web.c')?.state === 'healthy' && now.get('web.b')?.state === 'unhealthy'
        ? true
        : undefined;
    }, 'web.c to run and web.b to fail on its new port');
    expect(cli(configPath, ['status']).stdout).not.toContain('differs');

    // A broken file is refused with its place, and the checks served before go on running.
    writeFileSync(
      configPath,
      `version: 1\n${storeYaml(store.options)}\nservices:\n  web:\n    checks: [oops\n`,
    );
    from = serve.lines.length;
    const refusedAt = Date.now();
    process.kill(pid, 'SIGHUP');
    const refused = await until(() => serve?.logged('reload refused', from), 'the refusal');
    expect(refused.msg).toMatch(
      /^reload refused, still serving the previous file: \S*dayshift\.yaml:\d+:\d+ /,
    );
    expect(refused.line).toBeGreaterThanOrEqual(5);
    // A steady check's state row is rewritten only now and then; its samples show each run.
    await until(async () => {
      const res = await fetch(`${base}/api/v1/checks/web.a`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { samples } = (await res.json()) as { samples: Array<{ at: number; outcome: string }> };
      const newest = samples[0];
      return newest && newest.at > refusedAt && newest.outcome === 'pass' ? true : undefined;
    }, 'web.a to keep running after the refused reload');
    expect([...(await checks()).keys()].sort()).toEqual(['web.a', 'web.b', 'web.c']);

    // A check removed from the file stops and leaves the API and /metrics.
    writeStack({ a: up.port, c: up.port });
    from = serve.lines.length;
    process.kill(pid, 'SIGHUP');
    expect((await until(() => serve?.logged('reloaded:', from), 'the reload')).msg).toBe(
      'reloaded: 0 checks added, 0 changed, 1 removed',
    );
    expect([...(await checks()).keys()].sort()).toEqual(['web.a', 'web.c']);
    // The same file again changes nothing.
    from = serve.lines.length;
    process.kill(pid, 'SIGHUP');
    expect((await until(() => serve?.logged('reloaded:', from), 'the second reload')).msg).toBe(
      'reloaded: the stack file and its .env are unchanged',
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('check="c"');
    expect(metrics).not.toContain('check="b"');
    // Its lease is given up once its last run is written: this node holds a and c only.
    const db = (await store.open()).db;
    const held = async () =>
      (await db.selectFrom('check_leases').select('check_id').where('node_id', 'is not', null).execute())
        .map((r) => r.check_id)
        .sort()
        .join(',');
    await until(
      async () => ((await held()) === 'web.a,web.c' ? true : undefined),
      'leases of web.a and web.c only',
    );
  });
});

/** The node id `serve` takes: host and pid. */
function pidNode(pid: number): string {
  return `${hostname()}:${pid}`;
}
