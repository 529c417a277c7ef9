import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { Deploys } from '../../src/deploys/deploys.js';
import { Incidents } from '../../src/incidents/incidents.js';
import { readTimeline } from '../../src/incidents/records.js';
import { renderIncident } from '../../src/incidents/template.js';
import { TimelineLinks } from '../../src/incidents/timeline-links.js';
import type { IncidentEvent } from '../../src/incidents/types.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log/logger.js';
import { Runbooks } from '../../src/runbooks/runbooks.js';
import { recordServiceAction } from '../../src/services/recorded-action.js';
import { ServiceHandle } from '../../src/services/service-control.js';
import type { Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/**
 * The issue's timeline test, on both stores: an incident on `web` during which a runbook that acts on
 * web runs (a check of web, a shell step, a restart through web's shell driver) and web is deployed by
 * git ref (pinned, checked out, restarted, verified healthy by its check), and someone restarts web by
 * hand. The link pass puts all three on the incident's timeline, each as it starts and as it ends, with
 * the run's link and, for the deploy, its release; a run on another service stays off it. The rendered communication keeps runbook 002's
 * shape. Everything is real: the runs are carried out in this process on real commands and git.
 */

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

const yaml = (port: number) => `
version: 1
stack: shop
services:
  web:
    driver:
      shell: { start: "true", stop: "true", restart: "echo restarted >> restarts.log", status: "exit 0" }
    checks:
      up: { tcp: { host: 127.0.0.1, port: ${port} }, every: 1s }
  worker:
    driver:
      shell: { start: "true", stop: "true", restart: "true", status: "exit 0" }
    checks:
      up: { tcp: { host: 127.0.0.1, port: ${port} }, every: 1s }
runbooks:
  web-restart:
    description: Restart web after checking it
    steps:
      - check: web.up
      - name: note
        shell: echo restarting web
      - restart: web
  worker-restart:
    steps:
      - restart: worker
  notes-only:
    steps:
      - shell: echo "names no service"
deploys:
  web:
    repo: ./app
    verify: { healthy_within: 10s }
incidents:
  severities:
    critical: { respond_within: 15m }
    high: { respond_within: 1h }
    medium: { respond_within: 4h }
    low: { respond_within: 24h }
`;

let listener: net.Server;
let port = 0;

beforeAll(async () => {
  listener = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

describe.each(STORE_KINDS)('the timeline writes itself (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  let incidents: Incidents;
  let links: TimelineLinks;
  /** A second node's links, on a connection of its own. */
  let elsewhere: TimelineLinks;
  let runbooks: Runbooks;
  let deploys: Deploys;
  let commit = '';
  let dir = '';

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    const stack = stackFrom(yaml(port));
    dir = stack.dir;
    const { configPath } = stack;
    const app = path.join(dir, 'app');
    mkdirSync(app);
    git(app, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(app, 'release.json'), '{"version":"v2"}\n');
    git(app, 'add', '.');
    git(app, 'commit', '-q', '-m', 'v2');
    git(app, 'tag', 'v2');
    commit = git(app, 'rev-parse', 'HEAD');
    const { config } = loadConfigOrThrow(configPath);
    const env = { config, configPath, baseDir: dir, store, clock: systemClock };
    incidents = new Incidents({
      store,
      queue: new JobQueue(store, { clock: systemClock }),
      clock: systemClock,
      config,
    });
    links = new TimelineLinks(incidents, silentLogger());
    const second = await test.open();
    elsewhere = new TimelineLinks(
      new Incidents({
        store: second,
        queue: new JobQueue(second, { clock: systemClock }),
        clock: systemClock,
        config,
      }),
      silentLogger(),
    );
    deploys = new Deploys(env);
    runbooks = new Runbooks(env);
  }, 30_000);
  afterAll(async () => {
    await test.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const runEvents = (timeline: IncidentEvent[]) => timeline.filter((e) => e.type === 'run');

  it('puts a runbook run and a deploy on the service during the incident on its timeline, with links', async () => {
    const incident = await incidents.open({
      title: 'Checkout errors',
      severity: 'critical',
      services: ['web'],
      impact: '1200 users affected',
      eta: '30 minutes',
      message: 'Initial alert received',
      actor: 'cli:alice',
    });

    // The runbook's run is seen as it starts, before it ends.
    const { recorder, plan } = await runbooks.open('web-restart', {}, 'cli');
    const runbookRun = recorder.runId;
    expect(await links.pass()).toMatchObject({ runs: 1 });
    let timeline = await readTimeline(store.db, incident.id);
    expect(runEvents(timeline).map((e) => e.text)).toEqual([
      `runbook web-restart started (dayshift run show ${runbookRun})`,
    ]);
    const end = await runbooks.execute(recorder, plan, { pollMs: 50 });
    expect(end.status).toBe('succeeded');
    await incidents.update(incident.id, {
      text: 'Root cause identified',
      status: 'identified',
      actor: 'cli:alice',
    });

    // A deploy of web by ref, then a runbook on another service and one that names none.
    const request = { service: 'web', action: 'deploy', ref: 'v2', by: 'cli:alice' } as const;
    const deployRun = await deploys.open(request, 'cli');
    const deployed = await deploys.execute(deployRun, request, { pollMs: 50 });
    expect(deployed.status, deployed.detail).toBe('succeeded');
    const steps = (await deploys.runs.get(deployRun))?.steps ?? [];
    expect(steps.map((s) => `${s.name}:${s.outcome}`)).toEqual([
      'pin:pass',
      'side-by-side:pass',
      'apply:pass',
      'verify:pass',
      'release:pass',
    ]);
    // A restart of web asked by hand (`dayshift svc restart web`).
    const { runId: actionRun } = await recordServiceAction(
      { runs: deploys.runs, clock: systemClock },
      new ServiceHandle(deploys.env.config, dir, 'web'),
      'restart',
      {},
      { trigger: 'cli' },
    );
    for (const name of ['worker-restart', 'notes-only']) {
      const other = await runbooks.open(name, {}, 'cli');
      expect((await runbooks.execute(other.recorder, other.plan, { pollMs: 50 })).status).toBe('succeeded');
    }
    // web was restarted three times through its driver: by the runbook, by the deploy, by hand.
    expect(readFileSync(path.join(dir, 'restarts.log'), 'utf8')).toBe('restarted\n'.repeat(3));
    await incidents.update(incident.id, {
      text: 'Mitigation in progress',
      status: 'monitoring',
      actor: 'cli:alice',
    });

    // Two nodes pass at once (one after the other where SQLite's one writer serialises them): each
    // event is written once.
    const passes =
      kind === 'postgres'
        ? await Promise.all([links.pass(), elsewhere.pass()])
        : [await links.pass(), await elsewhere.pass()];
    expect(passes.reduce((n, p) => n + p.runs, 0)).toBe(5);
    expect(await links.pass()).toMatchObject({ runs: 0 });
    timeline = await readTimeline(store.db, incident.id);
    const runs = runEvents(timeline);
    expect(runs.map((e) => e.text)).toEqual([
      `runbook web-restart started (dayshift run show ${runbookRun})`,
      `runbook web-restart succeeded (dayshift run show ${runbookRun})`,
      `deploy of web to v2 started (dayshift run show ${deployRun})`,
      `deploy of web to v2 succeeded (dayshift run show ${deployRun})`,
      `restart of web started (dayshift run show ${actionRun})`,
      `restart of web succeeded (dayshift run show ${actionRun})`,
    ]);
    expect(runs.every((e) => !e.public)).toBe(true);
    expect(runs[1]?.data).toEqual({
      run: runbookRun,
      kind: 'runbook',
      name: 'web-restart',
      status: 'succeeded',
      url: `/api/v1/runs/${runbookRun}`,
      ended: true,
    });
    expect(runs[3]?.data).toMatchObject({
      run: deployRun,
      kind: 'deploy',
      name: 'web',
      status: 'succeeded',
      url: `/api/v1/runs/${deployRun}`,
      release: { action: 'deploy', target: commit, requested: 'v2', state: 'verified' },
    });
    // Each event is at the run's own time: its start, then its end.
    const started = await store.db.selectFrom('runs').select(['id', 'started_at', 'finished_at']).execute();
    const times = new Map(started.map((r) => [Number(r.id), [Number(r.started_at), Number(r.finished_at)]]));
    expect(runs.map((e) => e.at)).toEqual([
      times.get(runbookRun)?.[0],
      times.get(runbookRun)?.[1],
      times.get(deployRun)?.[0],
      times.get(deployRun)?.[1],
      times.get(actionRun)?.[0],
      times.get(actionRun)?.[1],
    ]);

    const resolved = await incidents.resolve(incident.id, { text: 'Service restored', actor: 'cli:alice' });
    const rendered = renderIncident(resolved, await readTimeline(store.db, incident.id));
    const time = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC`;
    expect(rendered).toMatch(
      new RegExp(
        [
          '^🚨 INCIDENT: web - Checkout errors',
          '',
          'Status: RESOLVED',
          'Severity: CRITICAL',
          'Impact: 1200 users affected',
          'ETA: 30 minutes',
          '',
          'Updates:',
          `- \\[${time}\\] Initial alert received`,
          `- \\[${time}\\] Root cause identified`,
          `- \\[${time}\\] Mitigation in progress`,
          `- \\[${time}\\] Service restored$`,
        ].join('\n'),
      ),
    );
  }, 60_000);

  it('a run that starts after the incident resolved stays off its timeline', async () => {
    const [latest] = await incidents.list({ state: 'resolved', limit: 1 });
    if (!latest) throw new Error('no resolved incident');
    const before = runEvents(await readTimeline(store.db, latest.id)).length;
    const later = await runbooks.open('web-restart', {}, 'cli');
    expect((await runbooks.execute(later.recorder, later.plan, { pollMs: 50 })).status).toBe('succeeded');
    expect(await links.pass()).toMatchObject({ runs: 0 });
    expect(runEvents(await readTimeline(store.db, latest.id))).toHaveLength(before);
  }, 30_000);
});
