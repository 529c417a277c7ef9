import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.js';
import { groupMembers } from '../../src/drivers/shared/pids.js';
import { Runs } from '../../src/runs/runs.js';
import type { Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { CLI } from '../helpers/built-cli.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

/**
 * `dayshift svc restart` as users run it, on both stores: the change is a run (kind `service`,
 * trigger `cli`) whose step keeps the logs the service wrote before it, the run's id is printed and
 * named by the audit entry, a failed restart is a failed run the audit entry names too; and a secret
 * of the stack file that the service writes to its log and has in its environment appears nowhere
 * Dayshift keeps or prints it.
 */
const CANARY = 'canary-svc-runs-7f3b2a';
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync('web.pid', String(process.pid));
  console.log('listening');
  console.log('connected to the relay with token ' + process.env.RELAY_TOKEN);
  console.log('worker stuck on job 17');
});
process.on('SIGTERM', () => process.exit(0));
`;

describe.each(STORE_KINDS)('dayshift svc records changes as runs (%s store)', (kind) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-svc-runs-'));
  const configPath = path.join(dir, 'dayshift.yaml');
  const groups: number[] = [];
  let test: TestStore;
  let store: Store;
  let runs: Runs;

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    runs = new Runs(store.db, systemClock);
    writeFileSync(path.join(dir, 'server.cjs'), SERVER);
    writeFileSync(
      configPath,
      `version: 1
${storeYaml(test.options)}
notifiers:
  ops: { ntfy: { topic: ops, token: "\${RELAY_TOKEN}" } }
services:
  web:
    driver:
      shell:
        start: 'RELAY_TOKEN="\${RELAY_TOKEN}" "${process.execPath}" server.cjs &'
        pidfile: web.pid
        log_file: web.log
        env: "printf 'MODE=prod\\\\nRELAY=\${RELAY_TOKEN}\\\\n'"
  broken:
    driver: { shell: { restart: "echo cannot restart; exit 5", log_file: broken.log } }
  chatty:
    driver: { shell: { restart: "true", log_file: chatty.log } }
    logs_before_acting: { max_bytes: 4096 }
`,
    );
    writeFileSync(path.join(dir, 'broken.log'), 'queue full, giving up\n');
  });
  afterAll(async () => {
    for (const group of groups) for (const pid of groupMembers(group)) process.kill(pid, 'SIGKILL');
    await test?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The process group of the server in the pidfile (its start command's shell leads it). */
  function groupOfServer(): number {
    const pid = Number(readFileSync(path.join(dir, 'web.pid'), 'utf8'));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  }

  function svc(...args: string[]) {
    const result = spawnSync(process.execPath, [CLI, 'svc', ...args, '--config', configPath], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', RELAY_TOKEN: CANARY },
      timeout: 60_000,
    });
    return { code: result.status, out: result.stdout, err: result.stderr };
  }

  it('records a restart as a run whose step keeps the logs written before it, and prints its id', async () => {
    const start = svc('start', 'web', '--json');
    expect(start.err).toBe('');
    const started = JSON.parse(start.out);
    expect(started).toMatchObject({ service: 'web', action: 'start', runId: expect.any(Number) });
    expect(started.logsBeforeActing).toBeUndefined();
    groups.push(groupOfServer());
    const log = path.join(dir, 'web.log');
    await until(
      () => (existsSync(log) && readFileSync(log, 'utf8').includes('worker stuck') ? true : undefined),
      'the server to write its log',
    );

    const restart = svc('restart', 'web');
    expect(restart.err).toBe('');
    expect(restart.code).toBe(0);
    expect(restart.out).toMatch(/^web: start: running as pid \d+$/m);
    expect(restart.out).toMatch(/^logs kept as evidence \d+: \d+ bytes, sha256 [0-9a-f]{64}$/m);
    const runId = Number(/^run (\d+)$/m.exec(restart.out)?.[1]);
    expect(runId).toBeGreaterThan(started.runId);
    groups.push(groupOfServer());

    const run = await runs.get(runId);
    expect(run).toMatchObject({ kind: 'service', name: 'web', trigger: 'cli', status: 'succeeded' });
    expect(run?.steps.map((s) => [s.name, s.outcome])).toEqual([['restart', 'pass']]);
    const [item] = await runs.evidence(runId);
    expect(item).toMatchObject({
      step: 1,
      kind: 'log',
      name: 'logs of web before restart',
      truncated: false,
    });
    const kept = await runs.evidenceItem(runId, item?.id as number);
    expect(kept?.content).toContain('worker stuck on job 17');
    expect(kept?.content).toContain('connected to the relay with token [redacted]');
    expect(kept?.sha256).toBe(
      createHash('sha256')
        .update(kept?.content as string)
        .digest('hex'),
    );

    const [entry] = await listAudit(store.db, { action: 'service.restart', target: 'web' });
    expect(entry).toMatchObject({ result: 'ok', runId, actor: expect.stringMatching(/^cli:/) });
    const [startEntry] = await listAudit(store.db, { action: 'service.start', target: 'web' });
    expect(startEntry?.runId).toBe(started.runId);
  });

  it('records a failed restart as a failed run, with the logs before it, named by its audit entry', async () => {
    const failed = svc('restart', 'broken');
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('restart of service `broken` failed: its command exited with 5');
    const runId = Number(/^run (\d+): failed$/m.exec(failed.err)?.[1]);
    const run = await runs.get(runId);
    expect(run).toMatchObject({ kind: 'service', name: 'broken', status: 'failed' });
    expect(run?.steps[0]).toMatchObject({ name: 'restart', outcome: 'fail' });
    const [item] = await runs.evidence(runId);
    expect((await runs.evidenceItem(runId, item?.id as number))?.content).toContain('queue full, giving up');
    const [entry] = await listAudit(store.db, { action: 'service.restart', target: 'broken' });
    expect(entry).toMatchObject({ result: expect.stringMatching(/^failed: /), runId });
  });

  it("keeps the end of a log longer than the service's max_bytes, with the size and hash of all of it", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `request ${i} took ${i % 97}ms`);
    lines.push('the newest line');
    writeFileSync(path.join(dir, 'chatty.log'), `${lines.join('\n')}\n`);
    const whole = lines.join('\n');
    const restart = svc('restart', 'chatty', '--json');
    expect(restart.code).toBe(0);
    const { runId, logsBeforeActing } = JSON.parse(restart.out);
    expect(logsBeforeActing).toMatchObject({
      kept: true,
      evidence: {
        truncated: true,
        size: Buffer.byteLength(whole),
        sha256: createHash('sha256').update(whole).digest('hex'),
      },
    });
    const kept = await runs.evidenceItem(runId, logsBeforeActing.evidence.id);
    expect(Buffer.byteLength(kept?.content as string)).toBeLessThanOrEqual(4096);
    expect(kept?.content.endsWith('request 1999 took 59ms\nthe newest line')).toBe(true);
  });

  it('opens no run for a reading: status, logs and env are not runs', async () => {
    const before = await runs.list({ kinds: ['service'] });
    expect(svc('status', 'web').code).toBe(0);
    expect(svc('logs', 'web').code).toBe(0);
    expect(svc('env', 'web').code).toBe(0);
    expect(await runs.list({ kinds: ['service'] })).toEqual(before);
  });

  it("never shows the stack file's secret: not in svc env, the evidence, the runs' steps or the audit log", async () => {
    const env = svc('env', 'web');
    // The runner scrubs the command's output of known secrets before the driver masks by name.
    expect(env.out).toBe('MODE=prod\nRELAY=[redacted]\n');
    const logs = svc('logs', 'web');
    expect(logs.out).toContain('connected to the relay with token [redacted]');
    const everything: unknown[] = [];
    for (const summary of await runs.list({ kinds: ['service'] })) {
      everything.push(await runs.get(summary.id));
      for (const item of await runs.evidence(summary.id))
        everything.push(await runs.evidenceItem(summary.id, item.id));
    }
    everything.push(await listAudit(store.db));
    const kept = JSON.stringify(everything);
    expect(kept).toContain('[redacted]');
    expect(kept).not.toContain(CANARY);
    for (const printed of [env, logs, svc('status', 'web', '--json')]) {
      expect(printed.out).not.toContain(CANARY);
      expect(printed.err).not.toContain(CANARY);
    }
    // The canary is really there to be found: the service wrote it to its log.
    expect(readFileSync(path.join(dir, 'web.log'), 'utf8')).toContain(CANARY);
    expect(svc('stop', 'web').code).toBe(0);
  });
});
