/**
 * `dayshift deploy --ref`, `dayshift rollback` and a runbook's `deploy` and `rollback` steps, end to end
 * through the built CLI, for a `shell`-driver service run from a real git work tree, with a real
 * PostgreSQL database for the migrating deploys:
 * - the app is `node server.js` (its `/health` and `/version` say what release.json of the commit says):
 *   v1 and v2 are good; v3's migration drops a column and adds another, and its `/health` answers 500;
 * - deploys by ref are verified, listed by full commit, and rolled back by commit; a tree moved by hand
 *   is drift;
 * - a runbook deploys v2 and rolls back, each step naming its deploy run;
 * - with `migrates: true` and a `{ backup: db }` gate, the failed v3 is rolled back to v2's commit, then
 *   the run waits for `dayshift approve` before the pre-deploy snapshot is restored over the database;
 *   a run cancelled at that approval restores nothing, and the release keeps the snapshot to restore by
 *   hand; with `restore: auto` it restores without asking, also after v4's migration fails half done.
 * One git repository, one stack folder and one scratch database for the file; the tests run in order,
 * each starting from where the one before left the service.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployAlertOrigin } from '../../src/alerts/deploy-origin.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import type { Release } from '../../src/deploys/release.js';
import { Releases } from '../../src/deploys/releases.js';
import { groupMembers, groupOf } from '../../src/drivers/shared/pids.js';
import type { RunRecord } from '../../src/runs/records.js';
import { Runs } from '../../src/runs/runs.js';
import { openStore, type Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { TEST_PG_URL } from '../global-setup.js';
import { type CliRun, spawnCli } from '../helpers/cli-process.js';
import { versionOn } from '../helpers/deploy-images.js';
import { deployRunOf, untilWaiting } from '../helpers/deploy-runs.js';
import { freePort } from '../helpers/docker.js';
import { adminQuery } from '../helpers/stores.js';
import { within } from '../helpers/wait.js';

const base = mkdtempSync(path.join(tmpdir(), 'dayshift-deploy-ref-'));
const repo = path.join(base, 'app');
const stackFile = path.join(base, 'dayshift.yaml');
const database = `dayshift_deploy_ref_${randomBytes(4).toString('hex')}`;
const CANARY = `canary-${randomBytes(6).toString('hex')}-deploy-ref`;
let dbUrl = '';
let port = 0;
let store: Store;
let runs: Runs;
const shas: Record<string, string> = {};
/** Every process group the service ran in, stopped in afterAll whatever a failed assertion left. */
const served = new Set<number>();

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** The app: what it serves is read from release.json when it starts; it writes its pid once listening. */
const SERVER = `const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { version, health } = JSON.parse(fs.readFileSync(path.join(__dirname, 'release.json'), 'utf8'));
const server = http.createServer((req, res) => {
  if (req.url === '/health') res.statusCode = health;
  else if (req.url !== '/version') res.statusCode = 404;
  res.end(req.url === '/version' ? version : String(res.statusCode));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  fs.writeFileSync('app.pid.tmp', String(process.pid));
  fs.renameSync('app.pid.tmp', 'app.pid');
  console.log('serving ' + version);
});
process.on('SIGTERM', () => process.exit(0));
`;

/** Each commit's migration, run by the deploy's step as `sh migrate.sh <db url> <token>`. */
const NO_MIGRATION = `echo "no migration in this release (token $2)"\n`;
const V3_MIGRATION = `set -e
echo "migrating with token $2"
psql "$1" -v ON_ERROR_STOP=1 -c "alter table items drop column name" -c "alter table items add column broken int"
`;
/** v4's migration changes the schema, then fails: each -c is its own transaction, so it stops half done. */
const V4_MIGRATION = `set -e
psql "$1" -v ON_ERROR_STOP=1 -c "alter table items add column half int" -c "select 1/0"
`;

function commit(version: string, health: number, migration: string): string {
  writeFileSync(path.join(repo, 'release.json'), JSON.stringify({ version, health }));
  writeFileSync(path.join(repo, 'migrate.sh'), migration);
  git('add', '.');
  git('commit', '-q', '-m', `version ${version}`);
  git('tag', version);
  return git('rev-parse', 'HEAD');
}

interface StackOptions {
  migrates?: boolean;
  restore?: 'auto' | 'approve';
}

function stack(options: StackOptions = {}): string {
  const migrating = options.migrates
    ? `    migrates: true\n    before: [ { backup: db } ]\n${options.restore ? `    restore: ${options.restore}\n` : ''}`
    : '';
  return `version: 1
stack: shop
services:
  app:
    driver:
      shell:
        start: 'PORT=${port} "${process.execPath}" app/server.js &'
        pidfile: app.pid
        log_file: app.log
    checks:
      health: { http: { url: "http://127.0.0.1:${port}/health" }, expect: ["status == 200"], every: 1s }
notifiers:
  ops: { webhook: { url: "http://127.0.0.1:9/hook", secret: "\${CANARY}" } }
repositories:
  local: { local: { path: vault } }
backups:
  db:
    source: { postgres: { url: "\${DB_URL}" } }
    repository: local
runbooks:
  ship:
    steps:
      - deploy: { service: app, ref: v2 }
      - rollback: app
deploys:
  app:
    repo: ./app
    steps:
      - { run: 'sh migrate.sh "\${DB_URL}" "\${CANARY}"', name: migrate }
    verify: { healthy_within: 5s }
    rollback: auto
${migrating}`;
}

function writeStack(options: StackOptions = {}): void {
  writeFileSync(stackFile, stack(options));
}

async function query<T>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const columns = async () =>
  (
    await query<{ column_name: string }>(
      "select column_name from information_schema.columns where table_name = 'items' order by ordinal_position",
    )
  ).map((r) => r.column_name);

beforeAll(async () => {
  port = await freePort();
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'server.js'), SERVER);
  shas.v1 = commit('v1', 200, NO_MIGRATION);
  shas.v2 = commit('v2', 200, NO_MIGRATION);
  shas.v3 = commit('v3', 500, V3_MIGRATION);
  shas.v4 = commit('v4', 200, V4_MIGRATION);

  await adminQuery(`create database ${database}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  dbUrl = url.toString();
  await query(
    "create table items (id serial primary key, name text not null); insert into items (name) values ('apple'), ('pear'), ('plum')",
  );

  writeFileSync(path.join(base, '.env'), `CANARY=${CANARY}\nDB_URL=${dbUrl}\n`);
  writeStack();
  mkdirSync(path.join(base, '.dayshift'), { recursive: true });
  store = await openStore({ sqlitePath: path.join(base, '.dayshift', 'state.db') });
  await store.migrate();
  runs = new Runs(store.db, systemClock);
}, 60_000);

afterAll(async () => {
  noteServed();
  await run('svc', 'stop', 'app').catch(() => undefined);
  for (const group of served) for (const member of groupMembers(group)) process.kill(member, 'SIGKILL');
  await store?.close();
  await adminQuery(`drop database if exists ${database} with (force)`);
  rmSync(base, { recursive: true, force: true });
}, 60_000);

function dayshift(...args: string[]) {
  return spawnCli(stackFile, args, { cwd: base, onClose: noteServed });
}

const run = (...args: string[]) => within(dayshift(...args).done, `dayshift ${args.join(' ')}`, 120_000);

/** Remembers the process group of the server the pidfile names now. */
function noteServed(): void {
  const file = path.join(base, 'app.pid');
  if (!existsSync(file)) return;
  const group = groupOf(Number(readFileSync(file, 'utf8')));
  if (group !== undefined) served.add(group);
}

/** Waits for the app to say it is `expected`. */
/** What the app says its version is, once it says `expected`. */
const version = (expected: string) => versionOn(port, expected, '/version');

async function releasesOf(): Promise<Release[]> {
  const listed = await run('releases', 'app', '--json');
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { releases: Release[] }).releases;
}

function runIdOf(out: CliRun): number {
  const m = /^run (\d+)/m.exec(out.stderr);
  if (!m) throw new Error(`no run id in: ${out.stderr}`);
  return Number(m[1]);
}

/** The deploy alerts open now, as a node's alert engine would evaluate them. */
async function alerts(): Promise<Array<{ key: string; summary: string }>> {
  const origin = new DeployAlertOrigin(
    loadConfigOrThrow(stackFile).config,
    new Releases(store.db, systemClock),
  );
  return (await origin.desired(Date.now())).map((a) => ({ key: a.key, summary: a.summary }));
}

async function stepsOf(runId: number): Promise<Record<string, string>> {
  const record = (await runs.get(runId)) as RunRecord;
  return Object.fromEntries(record.steps.map((s) => [s.name, s.outcome]));
}

describe('dayshift deploy --ref', () => {
  it('deploys v1 then v2: each verified, known-good and listed by its full commit', async () => {
    const first = await run('deploy', 'app', '--ref', 'v1');
    expect(first.code, first.stderr + first.stdout).toBe(0);
    await version('v1');
    const second = await run('deploy', 'app', '--ref', 'v2');
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toContain(`pin: v2 is ${shas.v2}`);
    expect(second.stdout).toMatch(/✓ \d+ verify: healthy in /);
    await version('v2');
    expect(git('rev-parse', 'HEAD')).toBe(shas.v2);
    expect(await stepsOf(runIdOf(second))).toMatchObject({
      pin: 'pass',
      apply: 'pass',
      verify: 'pass',
      release: 'pass',
    });

    const rows = await releasesOf();
    expect(rows.map((r) => [r.target, r.requested, r.kind, r.action, r.state, r.knownGood])).toEqual([
      [shas.v2, 'v2', 'ref', 'deploy', 'verified', true],
      [shas.v1, 'v1', 'ref', 'deploy', 'verified', true],
      // The first deploy recorded what the work tree held before, so it had somewhere to roll back to.
      [git('rev-parse', 'v4'), 'what ran before Dayshift deployed it', 'ref', 'deploy', 'verified', true],
    ]);
  });

  it('rolls back to v1 by its commit, as a release of its own', async () => {
    const back = await run('rollback', 'app');
    expect(back.code, back.stderr + back.stdout).toBe(0);
    await version('v1');
    expect(git('rev-parse', 'HEAD')).toBe(shas.v1);
    const [newest] = await releasesOf();
    expect(newest).toMatchObject({ target: shas.v1, action: 'rollback', state: 'verified', knownGood: true });
    expect(await stepsOf(runIdOf(back))).toMatchObject({
      choose: 'pass',
      apply: 'pass',
      verify: 'pass',
      release: 'pass',
    });
  });
  it('says when the work tree was moved off the live release by hand (drift)', async () => {
    const status = async () => {
      const out = await run('svc', 'status', 'app', '--json');
      expect(out.code, out.stderr).toBe(0);
      return (JSON.parse(out.stdout) as { release: { drift: boolean; running: string; detail: string } })
        .release;
    };
    expect(await status()).toMatchObject({ drift: false, running: shas.v1 });
    git('checkout', '-q', '--detach', 'v2');
    try {
      const moved = await status();
      expect(moved).toMatchObject({ drift: true, running: shas.v2 });
      expect(moved.detail).toContain(
        `it runs ${shas.v2?.slice(0, 12)}, not release 4 (${shas.v1?.slice(0, 12)})`,
      );
    } finally {
      git('checkout', '-q', '--detach', 'v1');
    }
  });
});

describe('a runbook with deploy and rollback steps', () => {
  it('deploys v2 and rolls back, each step naming its own deploy run', async () => {
    const out = await run('run', 'ship');
    expect(out.code, out.stderr + out.stdout).toBe(0);
    await version('v1');
    const record = (await runs.get(runIdOf(out))) as RunRecord;
    expect(record.status).toBe('succeeded');
    expect(record.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['deploy', 'pass'],
      ['rollback', 'pass'],
    ]);
    const [deployed, rolledBack] = record.steps.map(
      (s) => (s.result as { result: { runId: number } }).result.runId,
    );
    expect(out.stdout).toContain(`(run ${deployed})`);
    expect(out.stdout).toContain(`(run ${rolledBack})`);
    for (const id of [deployed, rolledBack]) {
      const child = (await runs.get(id as number)) as RunRecord;
      expect([child.kind, child.name, child.status]).toEqual(['deploy', 'app', 'succeeded']);
    }
    const [back, deploy] = await releasesOf();
    expect(deploy).toMatchObject({ target: shas.v2, action: 'deploy', runId: deployed, state: 'verified' });
    expect(back).toMatchObject({ target: shas.v1, action: 'rollback', runId: rolledBack, state: 'verified' });
  });
});

describe('a migrating deploy', () => {
  it('takes a snapshot before it and binds it to the release', async () => {
    writeStack({ migrates: true });
    const out = await run('deploy', 'app', '--ref', 'v2');
    expect(out.code, out.stderr + out.stdout).toBe(0);
    await version('v2');
    expect(await stepsOf(runIdOf(out))).toMatchObject({ 'gate-backup': 'pass', verify: 'pass' });
    const [newest] = await releasesOf();
    expect(newest).toMatchObject({ target: shas.v2, state: 'verified' });
    expect(newest?.backup).toMatchObject({ backup: 'db', snapshot: expect.any(String) });
  });

  it('fails, rolls back to v2, and waits for an approval before restoring the snapshot over the schema', async () => {
    expect(await columns()).toEqual(['id', 'name']);
    const deploying = dayshift('deploy', 'app', '--ref', 'v3');
    const runId = await deployRunOf(runs, 'app', 'the deploy of v3 to start');
    await untilWaiting(runs, runId, `the deploy to wait for the restore's approval`);
    // Waiting: the code is v2's again, the schema still v3's.
    await version('v2');
    expect(await columns()).toEqual(['id', 'broken']);
    expect(await stepsOf(runId)).toMatchObject({
      'gate-backup': 'pass',
      apply: 'pass',
      verify: 'fail',
      'on_failure.rollback': 'pass',
      'on_failure.verify-rollback': 'pass',
      'on_failure.settle-rollback': 'pass',
    });
    // The alert says so while it waits: the code is rolled back, the database not yet.
    expect((await alerts())[0]?.summary).toContain(
      `; rolled back to ${shas.v2}, healthy again; the database is not restored: it may still hold its migrations (snapshot `,
    );
    const waiting = (await runs.state(runId))?.summary as { waitingFor?: { step: string } } | undefined;
    expect(waiting?.waitingFor?.step).toBe('on_failure.approve-restore');

    const approved = await run('approve', String(runId));
    expect(approved.code, approved.stderr + approved.stdout).toBe(0);
    const out = await within(deploying.done, 'the deploy of v3 to end', 120_000);
    expect(out.code, out.stderr + out.stdout).toBe(1);

    expect(await columns()).toEqual(['id', 'name']);
    expect((await query<{ name: string }>('select name from items order by id')).map((r) => r.name)).toEqual([
      'apple',
      'pear',
      'plum',
    ]);
    await version('v2');
    expect(git('rev-parse', 'HEAD')).toBe(shas.v2);
    const record = (await runs.get(runId)) as RunRecord;
    expect(record.status).toBe('failed');
    expect(await stepsOf(runId)).toMatchObject({
      'on_failure.rollback': 'pass',
      'on_failure.approve-restore': 'pass',
      'on_failure.restore': 'pass',
    });
    const [back, failed] = await releasesOf();
    expect(back).toMatchObject({ target: shas.v2, action: 'rollback', state: 'verified', runId });
    expect(failed).toMatchObject({
      target: shas.v3,
      action: 'deploy',
      state: 'failed',
      knownGood: false,
      runId,
    });
    const gate = record.steps.find((s) => s.name === 'gate-backup')?.result as {
      result: { snapshot: string };
    };
    expect(failed?.backup).toEqual({ backup: 'db', snapshot: gate.result.snapshot });
    const restored = record.steps.find((s) => s.name === 'on_failure.restore')?.result as { detail: string };
    expect(restored.detail).toContain(`snapshot ${gate.result.snapshot} of db restored into`);
    expect(failed?.detail?.restored).toBe(restored.detail);
    expect(await alerts()).toEqual([
      {
        key: 'deploy:app:failed',
        summary: `the deploy of app at ${shas.v3} failed: verify: app was not healthy within 5s: app.health: status == 200 (actual 500); rolled back to ${shas.v2}, healthy again; the database was restored from snapshot ${gate.result.snapshot} of db, taken before it (run ${runId})`,
      },
    ]);
    // The terminal that deployed said what it waited for, and how to give it.
    expect(out.stdout).toContain(`Approve with \`dayshift approve ${runId}\``);
  });

  it('restores nothing when the run is cancelled at the approval: the schema stays as v3 left it', async () => {
    const deploying = dayshift('deploy', 'app', '--ref', 'v3');
    const runId = await deployRunOf(runs, 'app', 'the deploy of v3 to start');
    await untilWaiting(runs, runId, `the deploy to wait for the restore's approval`);
    const cancelled = await run('run', 'cancel', String(runId));
    expect(cancelled.code, cancelled.stderr + cancelled.stdout).toBe(0);
    const out = await within(deploying.done, 'the deploy of v3 to end', 120_000);
    expect(out.code, out.stderr + out.stdout).toBe(1);
    expect(out.stdout).toContain('on_failure.approve-restore: cancelled while waiting for approval');

    // Nothing restored: the code is v2's, the schema what v3's migration made of it.
    await version('v2');
    expect(await columns()).toEqual(['id', 'broken']);
    const steps = await stepsOf(runId);
    expect(steps).toMatchObject({ 'on_failure.rollback': 'pass', 'on_failure.approve-restore': 'cancelled' });
    expect(steps['on_failure.restore']).toBeUndefined();
    expect((await runs.get(runId))?.status).toBe('cancelled');

    // The failed release keeps its snapshot: restoring it by hand puts the schema and the rows back.
    const [back, failed] = await releasesOf();
    expect(back).toMatchObject({ target: shas.v2, action: 'rollback', state: 'verified' });
    expect(failed).toMatchObject({ target: shas.v3, state: 'failed', runId });
    const snapshot = failed?.backup?.snapshot as string;
    expect((await alerts())[0]?.summary).toContain(
      `the database is not restored: it may still hold its migrations (snapshot ${snapshot} of db was taken before it)`,
    );
    const restored = await run('backup', 'restore', 'db', snapshot, '--force');
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    expect(await columns()).toEqual(['id', 'name']);
    expect((await query<{ name: string }>('select name from items order by id')).map((r) => r.name)).toEqual([
      'apple',
      'pear',
      'plum',
    ]);
  });

  it('with restore: auto, restores at once without asking', async () => {
    writeStack({ migrates: true, restore: 'auto' });
    const out = await run('deploy', 'app', '--ref', 'v3');
    expect(out.code, out.stderr + out.stdout).toBe(1);
    expect(await columns()).toEqual(['id', 'name']);
    await version('v2');
    const runId = runIdOf(out);
    expect(await stepsOf(runId)).toMatchObject({
      verify: 'fail',
      'on_failure.rollback': 'pass',
      'on_failure.approve-restore': 'skipped',
      'on_failure.restore': 'pass',
    });
    expect(out.stdout).not.toContain('dayshift approve');
    expect((await query<{ name: string }>('select name from items order by id')).map((r) => r.name)).toEqual([
      'apple',
      'pear',
      'plum',
    ]);
    const [, failed] = await releasesOf();
    expect(failed).toMatchObject({ target: shas.v3, state: 'failed', runId, backup: { backup: 'db' } });
  });
  it('rolls back and restores when the migration itself fails half done', async () => {
    const out = await run('deploy', 'app', '--ref', 'v4');
    expect(out.code, out.stderr + out.stdout).toBe(1);
    expect(out.stdout).toMatch(
      /✗ \d+ apply: step `migrate` of the deploy of `app` at v4 \([0-9a-f]{12}\) failed: its command exited with 1/,
    );
    expect(out.stdout).toContain('division by zero');
    expect(await stepsOf(runIdOf(out))).toMatchObject({
      apply: 'fail',
      'on_failure.rollback': 'pass',
      'on_failure.verify-rollback': 'pass',
      'on_failure.restore': 'pass',
    });
    expect(await columns()).toEqual(['id', 'name']);
    await version('v2');
    expect(git('rev-parse', 'HEAD')).toBe(shas.v2);
  });

  it('offers the restore of the migrating release a rollback goes back past, and restores it once approved', async () => {
    writeStack({ migrates: true });
    // Written after v2's pre-deploy snapshot: the restore takes it away, which is why it is asked first.
    await query("insert into items (name) values ('fig')");
    const rolling = dayshift('rollback', 'app', '--to', 'v1');
    const runId = await deployRunOf(runs, 'app', 'the rollback to start');
    await untilWaiting(runs, runId, `the rollback to wait for the restore's approval`);
    await version('v1');
    expect(
      (await query<{ name: string }>('select name from items order by id')).map((r) => r.name),
    ).toContain('fig');
    const approved = await run('approve', String(runId));
    expect(approved.code, approved.stderr + approved.stdout).toBe(0);
    const out = await within(rolling.done, 'the rollback to end', 120_000);
    expect(out.code, out.stderr + out.stdout).toBe(0);
    expect(await stepsOf(runId)).toMatchObject({
      apply: 'pass',
      verify: 'pass',
      release: 'pass',
      'approve-restore': 'pass',
      restore: 'pass',
    });
    expect((await query<{ name: string }>('select name from items order by id')).map((r) => r.name)).toEqual([
      'apple',
      'pear',
      'plum',
    ]);
  });
});

describe('secrets', () => {
  it('never shows the canary of .env in what the runs recorded', async () => {
    const all = await runs.list({ limit: 200 });
    expect(all.length).toBeGreaterThan(5);
    for (const summary of all) {
      const record = await runs.get(summary.id);
      expect(JSON.stringify(record)).not.toContain(CANARY);
      for (const item of await runs.evidence(summary.id)) {
        const full = await runs.evidenceItem(summary.id, item.id);
        expect(full?.content ?? '').not.toContain(CANARY);
      }
    }
    // The steps did print it: what was kept says [redacted] in its place.
    const steps = (await runs.list({ kinds: ['deploy'], limit: 200 })).map((r) => r.id);
    const texts = await Promise.all(
      steps.map(async (id) => {
        const items = (await runs.evidence(id)).filter((e) => e.name === 'deploy step migrate');
        return Promise.all(items.map(async (e) => (await runs.evidenceItem(id, e.id))?.content ?? ''));
      }),
    );
    expect(texts.flat().join('\n')).toContain('token [redacted]');
  });
});
