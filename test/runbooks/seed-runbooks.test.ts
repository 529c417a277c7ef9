/**
 * Two procedures of the seed runbooks carried out by Dayshift end to end, on one real Compose project
 * for the whole file (busybox services on the host network, bound to 127.0.0.1):
 *
 * - runbook 001, "jobs remain pending": a Redis list grows while the `worker` service is stuck; the
 *   `worker.backlog` check fires its alert, which starts the `worker-stuck` runbook on a node (its own
 *   process, on PostgreSQL): check, logs, restart worker, wait healthy. The restarted worker drains the
 *   list, the alert resolves, the firing notification names the run, and the restart step keeps the
 *   logs the stuck worker wrote before it was restarted.
 * - runbook 004, the restore procedure: the `chatbot` service serves its bind-mounted `uploads/` and
 *   `exports/`; a `files` backup of both is taken, the files are damaged, and `dayshift run
 *   restore-chatbot` stops the service, restores the snapshot over the original, starts it, waits for
 *   it to be healthy and checks that a restored file is served, all recorded as one run.
 *
 * The worker is "stuck" on its first start only: a marker file in its bind-mounted state dir makes that
 * start idle (it prints why and never heartbeats, so its Docker healthcheck fails); a later start
 * drains the list with busybox `nc` speaking RESP to Redis. Each service traps SIGTERM, so stops are
 * quick.
 */

import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { Runs } from '../../src/runs/runs.js';
import type { Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { CLI } from '../helpers/built-cli.js';
import { ComposeSandbox, docker, freePort } from '../helpers/docker.js';
import { addressOf, killNodeProcess, startNodeProcess, stopNodeProcess } from '../helpers/node-process.js';
import { Receiver } from '../helpers/receiver.js';
import { createTestStore, storeYaml, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const BACKLOG = `dayshift-test-seed-${process.pid}-${randomBytes(4).toString('hex')}:celery`;
/** What the stuck worker prints on its idle first start: the restart must keep it as evidence. */
const STUCK_LINE = 'worker stuck: waiting on a lock held by job 42';
const UPLOAD = 'invoice 2026-117 from the first customer';
const EXPORT = 'id,total\n1,42\n2,17\n';

const sandbox = new ComposeSandbox();
let test: TestStore;
let store: Store;
let receiver: Receiver;
let redis: Redis;
let token: string;
let chatbotPort = 0;
const nodes: ChildProcess[] = [];

/** The worker: idle while the marker is there (and removes it), else drains the list. */
const WORKER_SCRIPT = `trap 'exit 0' TERM
rm -f /draining
if [ -f /state/stuck ]; then
  rm /state/stuck
  echo "${STUCK_LINE}"
  sleep 3600 & wait
  exit 0
fi
echo "worker draining $BACKLOG"
touch /draining
while true; do
  printf 'LPOP %s\\r\\nQUIT\\r\\n' "$BACKLOG" | nc 127.0.0.1 6379 >/dev/null
  sleep 0.1
done
`;

/** The chatbot: serves /health (from the image) and its bind-mounted uploads and exports. */
const CHATBOT_SCRIPT = `trap 'exit 0' TERM
echo "chatbot serving on 127.0.0.1:$CHATBOT_PORT"
httpd -f -p 127.0.0.1:$CHATBOT_PORT -h /www & wait
`;

function composeFile(image: string): string {
  return `services:
  worker:
    image: ${image}
    network_mode: host
    command: ["sh", "/opt/bin/worker.sh"]
    volumes: [ "./bin:/opt/bin:ro", "./state:/state" ]
    environment:
      BACKLOG: "${BACKLOG}"
    healthcheck:
      test: ["CMD", "test", "-f", "/draining"]
      interval: 1s
      timeout: 2s
      retries: 1
  chatbot:
    image: ${image}
    network_mode: host
    command: ["sh", "/opt/bin/chatbot.sh"]
    volumes: [ "./bin:/opt/bin:ro", "./uploads:/www/uploads", "./exports:/www/exports" ]
    environment:
      CHATBOT_PORT: "${chatbotPort}"
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:${chatbotPort}/health"]
      interval: 1s
      timeout: 2s
      retries: 2
`;
}

function stackFile(): string {
  return `version: 1
stack: seed-runbooks
${storeYaml(test.options)}
runtime: { compose: { project_name: ${sandbox.project} } }
notifiers:
  ops: { webhook: { url: "${receiver.url}/hook" } }
alerting: { group_interval: 0s }
services:
  worker:
    checks:
      backlog:
        redis: { url: "redis://127.0.0.1:6379", llen: "${BACKLOG}" }
        expect: [ "value < 5" ]
        every: 500ms
        retries: 1
        notify: [ ops ]
  chatbot:
    checks:
      health:
        http: { url: "http://127.0.0.1:${chatbotPort}/health" }
        expect: [ "status == 200" ]
        every: 2s
repositories:
  local: { local: { path: ./.dayshift/backups } }
backups:
  chatbot-files:
    source: { files: { paths: [ uploads, exports ] } }
    repository: local
runbooks:
  worker-stuck:
    description: Jobs remain pending
    on: { alert: "check:worker.backlog" }
    steps:
      - check: worker.backlog
        continue_on_error: true
      - logs: { service: worker, since: 15m }
      - restart: worker
      - wait: { healthy: worker, timeout: 60s }
  restore-chatbot:
    description: Stop the chatbot, restore uploads and exports, start it, verify
    steps:
      - stop: chatbot
      - restore: chatbot-files
      - start: chatbot
      - wait: { healthy: chatbot, timeout: 60s }
      - http:
          url: "http://127.0.0.1:${chatbotPort}/uploads/a.txt"
          expect: [ "status == 200", "body == '${UPLOAD}'" ]
`;
}

const configPath = () => path.join(sandbox.dir, 'dayshift.yaml');

beforeAll(async () => {
  chatbotPort = await freePort();
  test = await createTestStore('postgres');
  store = await test.open();
  receiver = await Receiver.start();
  redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  await redis.del(BACKLOG);
  token = (await new TokenService(store).create({ name: 'ops', role: 'operator' })).token;
  await sandbox.create({});
  sandbox.write({
    'docker-compose.yml': composeFile(sandbox.docker.image),
    'bin/worker.sh': WORKER_SCRIPT,
    'bin/chatbot.sh': CHATBOT_SCRIPT,
    'state/stuck': 'stuck on the first start\n',
    'uploads/a.txt': UPLOAD,
    'uploads/avatars/b.txt': 'avatar of the second customer\n',
    'exports/report.csv': EXPORT,
    'dayshift.yaml': stackFile(),
  });
  await sandbox.compose('up', '-d');
}, 300_000);

afterAll(async () => {
  for (const node of nodes) await killNodeProcess(node).catch(() => {});
  await sandbox.cleanup();
  await redis.del(BACKLOG).catch(() => 0);
  redis.disconnect();
  await receiver.close();
  await test.destroy();
}, 120_000);

/** A run as `GET /api/v1/runs/:id` and `dayshift run show --json` give it, as far as these tests read it. */
interface ShownRun {
  id: number;
  kind: string;
  name: string;
  status: string;
  trigger: string;
  steps: Array<{
    name: string;
    outcome: string;
    position: number;
    result: { ok: boolean; detail: string; result?: unknown };
  }>;
  evidence: EvidenceShown[];
}

interface EvidenceShown {
  id: number;
  step: number | null;
  name: string;
  kind: string;
  size: number;
  sha256: string;
  truncated: boolean;
}

async function api<T>(child: ChildProcess, url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${addressOf(child)}/api/v1${url}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface Hooked {
  alerts: Array<{
    key: string;
    event: string;
    remediation?: Array<{ runbook: string; runId: number | null; status: string; url: string | null }>;
  }>;
}

const alertEvent = (event: string) =>
  receiver
    .json<Hooked>('/hook')
    .flatMap((h) => h.alerts)
    .find((a) => a.key === 'check:worker.backlog' && a.event === event);

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The built `dayshift` program on the stack file, as an operator runs it. */
function dayshift(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args, '--config', configPath()], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

async function startedAt(container: string): Promise<string> {
  return docker('inspect', '--format', '{{.State.StartedAt}}', container);
}

async function served(file: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${chatbotPort}/${file}`);
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

describe('runbook 001: jobs remain pending, remedied by the alert', () => {
  it('restarts the stuck worker when the backlog alert fires; the backlog drains and the alert resolves', async () => {
    // The worker is up but stuck: it said so, and nothing drains the list.
    await until(
      async () =>
        (await sandbox.compose('logs', '--no-color', 'worker')).includes(STUCK_LINE) ? true : undefined,
      'the worker to say it is stuck',
      30_000,
      250,
    );
    const node = await startNodeProcess(configPath(), test.options, { LEASE_MS: '1000' });
    nodes.push(node);
    await redis.rpush(BACKLOG, ...Array.from({ length: 20 }, (_, i) => `job-${i}`));

    const firing = await until(
      () => alertEvent('firing'),
      'the firing notification of the backlog alert',
      30_000,
    );
    const remediation = firing.remediation?.[0];
    expect(remediation).toMatchObject({ runbook: 'worker-stuck', status: 'running' });
    const runId = remediation?.runId as number;
    expect(runId).toBeGreaterThan(0);
    expect(remediation?.url).toBe(`/api/v1/runs/${runId}`);

    const resolved = await until(() => alertEvent('resolved'), 'the backlog alert to resolve', 90_000, 100);
    expect(resolved.key).toBe('check:worker.backlog');
    // The restarted worker drains it all, not only below the alert's threshold.
    await until(
      async () => ((await redis.llen(BACKLOG)) === 0 ? true : undefined),
      'the backlog to drain',
      30_000,
      100,
    );

    const run = await until(
      async () => {
        const { body } = await api<{ run: ShownRun }>(node, `/runs/${runId}`);
        return body.run.status === 'running' ? undefined : body.run;
      },
      'the run to end',
      60_000,
      200,
    );
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    expect(run.trigger).toMatch(/^alert:check:worker\.backlog#\d+$/);
    const steps = run.steps;
    expect(steps.map((s) => `${s.name}:${s.outcome}`)).toEqual([
      'check:fail',
      'logs:pass',
      'restart:pass',
      'wait:pass',
    ]);
    // The check failed for the reason the runbook runs: the backlog.
    expect(steps[0]?.result.detail).toMatch(/^worker\.backlog fails: value < 5 \(actual (\d\d|[5-9])\)$/);

    // The restart kept the worker's logs from before it: the line the stuck worker printed, and not
    // yet the line of the start that drained.
    const restart = steps.find((s) => s.name === 'restart');
    const evidence = run.evidence;
    const kept = evidence.find((e) => e.name === 'logs of worker before restart');
    expect(kept).toMatchObject({ step: restart?.position, kind: 'log', truncated: false });
    expect(kept?.size).toBeGreaterThan(STUCK_LINE.length);
    expect(kept?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(restart?.result.detail).toContain(`logs kept as evidence ${kept?.id}: ${kept?.size} bytes`);

    const item = await api<{ evidence: EvidenceShown & { content: string } }>(
      node,
      `/runs/${runId}/evidence/${kept?.id}`,
    );
    expect(item.status).toBe(200);
    const content = item.body.evidence.content;
    expect(content).toContain(STUCK_LINE);
    expect(content).not.toContain('worker draining');
    expect(Buffer.byteLength(content, 'utf8')).toBe(kept?.size);
    expect(sha256(content)).toBe(kept?.sha256);
    // The logs step kept them too, as its own evidence.
    expect(evidence.find((e) => e.name === 'logs of worker')?.step).toBe(steps[1]?.position);

    // The worker that drained is the one the runbook restarted.
    expect(await sandbox.compose('logs', '--no-color', 'worker')).toContain('worker draining');
    await stopNodeProcess(node);
  }, 150_000);
});

describe('runbook 004: stop, restore uploads and exports, start, verify', () => {
  it('restores damaged files over the original in one run that ends with the restored file served', async () => {
    await until(
      async () => ((await served('uploads/a.txt'))?.body === UPLOAD ? true : undefined),
      'the chatbot to serve its upload',
      30_000,
      100,
    );
    const backup = dayshift('backup', 'run', 'chatbot-files');
    expect(backup.err).toBe('');
    expect(backup.code).toBe(0);
    const [container] = await sandbox.ids('chatbot');
    const startedBefore = await startedAt(container as string);

    // The damage: an upload deleted, an export overwritten.
    rmSync(path.join(sandbox.dir, 'uploads/a.txt'));
    writeFileSync(path.join(sandbox.dir, 'exports/report.csv'), 'truncated');
    expect((await served('uploads/a.txt'))?.status).toBe(404);

    const restored = dayshift('run', 'restore-chatbot', '--json');
    expect(restored.code, restored.err).toBe(0);
    const runId = JSON.parse(restored.out).id as number;
    expect(runId).toBeGreaterThan(0);

    // The files are back with their content, and the chatbot serves them.
    expect(readFileSync(path.join(sandbox.dir, 'uploads/a.txt'), 'utf8')).toBe(UPLOAD);
    expect(readFileSync(path.join(sandbox.dir, 'exports/report.csv'), 'utf8')).toBe(EXPORT);
    expect(readFileSync(path.join(sandbox.dir, 'uploads/avatars/b.txt'), 'utf8')).toBe(
      'avatar of the second customer\n',
    );
    expect(await served('uploads/a.txt')).toEqual({ status: 200, body: UPLOAD });
    expect(await served('exports/report.csv')).toEqual({ status: 200, body: EXPORT });

    // One run, every step passed; `run show` says so.
    const show = dayshift('run', 'show', String(runId), '--json');
    expect(show.code, show.err).toBe(0);
    const run = JSON.parse(show.out) as ShownRun;
    expect(run).toMatchObject({ id: runId, kind: 'runbook', name: 'restore-chatbot', status: 'succeeded' });
    const steps = run.steps;
    expect(steps.map((s) => `${s.name}:${s.outcome}`)).toEqual([
      'stop:pass',
      'restore:pass',
      'start:pass',
      'wait:pass',
      'http:pass',
    ]);
    // The same container was stopped and started again around the restore.
    expect(await sandbox.ids('chatbot')).toEqual([container]);
    expect(await startedAt(container as string)).not.toBe(startedBefore);

    // Over the original, the runbook's restore goes ahead (force) after a safety snapshot of what the
    // directories held: the damaged export, and no deleted upload.
    const detail =
      /^snapshot (\S+) of chatbot-files restored into directory (.*) \(run \d+\); what it held is kept as snapshot (\S+)$/.exec(
        steps[1]?.result.detail ?? '',
      );
    expect(detail, steps[1]?.result.detail).not.toBeNull();
    expect(detail?.[2]).toBe(sandbox.dir);
    const list = dayshift('backup', 'list', 'chatbot-files', '--json');
    expect(list.code, list.err).toBe(0);
    const snapshots = JSON.parse(list.out) as Array<{
      id: string;
      source: { files: Array<{ path: string; size: number }> };
    }>;
    expect(snapshots.map((s) => s.id).sort()).toEqual([detail?.[1], detail?.[3]].sort());
    const safety = snapshots.find((s) => s.id === detail?.[3]);
    expect(safety?.source.files.map((f) => `${f.path}:${f.size}`).sort()).toEqual([
      'exports/report.csv:9',
      'uploads/avatars/b.txt:30',
    ]);

    // The stop step kept the chatbot's logs from before it stopped.
    const stop = steps[0];
    const kept = run.evidence.find((e) => e.name === 'logs of chatbot before stop');
    expect(kept?.step).toBe(stop?.position);
    const item = await new Runs(store.db, systemClock).evidenceItem(runId, kept?.id as number);
    expect(item?.content).toContain(`chatbot serving on 127.0.0.1:${chatbotPort}`);
    expect(sha256(item?.content ?? '')).toBe(kept?.sha256);
  }, 150_000);
});
