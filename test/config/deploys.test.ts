/**
 * The `deploys:` section refuses, at load time and at the place written, what would fail when the deploy
 * runs: a deploy by ref without what it needs (`repo:`, a driver that restarts), one that is both by
 * image and by ref, a deploy by image through a driver that does not deploy images, `migrates: true`
 * with no backup to bind, `max_age` on a gate it means nothing to. A valid entry of each kind loads with
 * its defaults.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type Case, itReportsEach } from './broken-case.js';
import { scratch } from './fixtures.js';

const BACKUPS =
  'repositories:\n  local: { local: { path: ./b } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: local\n';

/**
 * A service `web` with the given driver and a check, then `deploys.web` whose lines start at line 10,
 * column 5; `after` comes last, so it moves no line of the deploy.
 */
const stack = (driver: string, deploy: string, after = '') =>
  `version: 1\nservices:\n  web:\n    driver: ${driver}\n    checks:\n      health:\n        http: { url: "http://127.0.0.1/health" }\ndeploys:\n  web:\n${deploy
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n${after}`;

/** A runbook `ship` whose one step deploys web; the caller ends its options. */
const SHIP = 'runbooks:\n  ship:\n    steps:\n      - deploy: { service: web, ';

const restartable = '{ shell: { start: ./run, pidfile: run.pid, log_file: run.log } }';

const cases: Case[] = [
  {
    name: 'steps without repo: they have no work tree to run in',
    yaml: stack('compose', 'steps: [ make ]'),
    at: '10:5 deploys.web.steps',
    message: '`steps:` run in the work tree of a deploy by ref, and this deploy has no `repo:`',
    hint: 'add `repo: <path of the git work tree>`',
  },
  {
    name: 'fetch without repo',
    yaml: stack('compose', 'fetch: true'),
    at: '10:5 deploys.web.fetch',
    message: '`fetch:` fetches into the work tree of a deploy by ref',
    hint: 'remove `fetch:`',
  },
  {
    name: 'repo beside image: a deploy is one or the other',
    yaml: stack(restartable, 'image: ghcr.io/example/web\nrepo: ./app'),
    at: '11:5 deploys.web.repo',
    message: 'a deploy is by image (`image:`) or by ref (`repo:`), not both',
    hint: 'remove `image:` to deploy a git ref',
  },
  {
    name: 'migrates without a backup gate, naming a backup the file defines',
    yaml: stack('compose', 'migrates: true\nbefore: [ env ]', BACKUPS),
    at: '10:15 deploys.web.migrates',
    message: '`migrates: true` binds the pre-deploy backup to the release, but `before:` takes none',
    hint: 'add a backup gate to `before:`: { backup: db } takes one now, { backup: db, max_age: 1h }',
  },
  {
    name: 'migrates without a backup gate in a file with no backups',
    yaml: stack('compose', 'migrates: true'),
    at: '10:15 deploys.web.migrates',
    message: 'binds the pre-deploy backup to the release',
    hint: 'define the database backup under `backups:`',
  },
  {
    name: 'max_age on a gate that is not a backup',
    yaml: stack('compose', 'before: [ { check: web.health, max_age: 1h } ]'),
    at: '10:36 deploys.web.before[0].max_age',
    message: 'a check gate takes no max_age',
    hint: 'remove max_age; it bounds { backup: <name>, max_age: 1h }',
  },
  {
    name: 'max_age that is not a duration',
    yaml: stack('compose', 'before: [ { backup: db, max_age: soon } ]', BACKUPS),
    at: '10:38 deploys.web.before[0].max_age',
    message: 'expected a duration like 10s, 5m or 250ms',
  },
  {
    name: 'a step with a zero timeout',
    yaml: stack(restartable, 'repo: ./app\nsteps: [ { run: make, timeout: 0s } ]'),
    at: '11:36 deploys.web.steps[0].timeout',
    message: 'expected a timeout longer than 0s',
  },
  {
    name: 'a step with an unknown key',
    yaml: stack(restartable, 'repo: ./app\nsteps: [ { run: make, cwd: sub } ]'),
    at: '11:27 deploys.web.steps[0].cwd',
    message: 'unknown key `cwd`',
  },
  {
    name: 'by ref through a shell driver that cannot restart, naming the driver',
    yaml: stack('{ shell: { start: ./run } }', 'repo: ./app\nsteps: [ make ]'),
    at: '10:5 deploys.web.repo',
    message: 'a deploy by ref restarts service `web` after its steps, and its shell driver cannot restart it',
    hint: 'add a `restart:` command, or `start:` with `stop:` or `pidfile:`',
  },
  {
    name: 'by ref for a service without a driver',
    yaml: stack('none', 'repo: ./app'),
    at: '10:5 deploys.web.repo',
    message: 'its none driver cannot restart it',
    hint: 'give it one with `driver:`',
  },
  {
    name: 'by image through a driver that does not deploy images',
    yaml: stack(restartable, 'image: ghcr.io/example/web'),
    at: '10:5 deploys.web.image',
    message: 'service `web` uses the shell driver, which does not deploy images',
    hint: 'deploy it by ref instead: `repo:` (a git work tree) and `steps:`; or give it a driver that runs containers (compose, docker)',
  },
  {
    name: 'by image without image: (given by --image) through systemd, at the service key',
    yaml: stack('systemd', 'verify: { healthy_within: 1m }'),
    at: '9:3 deploys.web',
    message: 'service `web` uses the systemd driver, which does not deploy images',
    hint: 'deploy it by ref instead',
  },
  {
    name: 'a deploy keyed by something that is not a service',
    yaml: stack('compose', 'image: x').replace('deploys:\n  web:', 'deploys:\n  wbe:'),
    at: '9:3 deploys.wbe',
    message: 'unknown service `wbe`: deploys are keyed by service',
    hint: 'did you mean `web`',
  },
  {
    name: 'a runbook step deploying by ref a service deployed by image',
    yaml: stack('compose', 'image: ghcr.io/example/web', `${SHIP}ref: v2 }\n`),
    at: '14:33 runbooks.ship.steps[0].deploy.ref',
    message: 'service `web` is not deployed by ref: its `deploys:` entry has no `repo:`',
    hint: 'give deploys.web `repo:` (its git work tree) and `steps:`, or deploy an image',
  },
  {
    name: 'a runbook step deploying an image to a service deployed by ref',
    yaml: stack(restartable, 'repo: ./app', `${SHIP}image: ghcr.io/example/web }\n`),
    at: '14:33 runbooks.ship.steps[0].deploy.image',
    message: 'service `web` is deployed by ref (`repo: ./app`), not by image',
    hint: 'deploy a git ref: { service: web, ref: <tag, branch or commit> }',
  },
  {
    name: 'a runbook step deploying by ref a service with no deploys entry',
    yaml: `version: 1\nservices:\n  web:\n    driver: ${restartable}\n${SHIP}ref: v2 }\n`,
    at: '8:33 runbooks.ship.steps[0].deploy.ref',
    message: 'service `web` is not deployed by ref: it has no `deploys:` entry',
  },
  {
    name: 'a runbook step deploying an image through a driver that does not deploy images',
    yaml: `version: 1\nservices:\n  web:\n    driver: ${restartable}\n${SHIP}image: x }\n`,
    at: '8:33 runbooks.ship.steps[0].deploy.image',
    message: 'service `web` uses the shell driver, which does not deploy images',
    hint: 'deploy it by ref: give deploys.web `repo:` and `steps:`',
  },
];

describe('refusals', () => {
  itReportsEach(cases);
});

describe('valid deploys', () => {
  const dir = scratch('deploys');
  afterAll(dir.cleanup);

  it('loads a deploy by ref with steps, a migrating release and a fresh-enough backup gate', () => {
    const file = dir.write(
      'ref.yaml',
      stack(
        restartable,
        [
          'repo: ./app',
          'fetch: true',
          'steps:',
          '  - pip install -r requirements.txt',
          '  - { run: python manage.py migrate --noinput, name: migrate, timeout: 5m }',
          '  - { run: [ python, manage.py, check, --deploy ] }',
          'migrates: true',
          'restore: auto',
          'before: [ env, { backup: db, max_age: 1h } ]',
          'verify: { healthy_within: 1m, checks: [ web.health ] }',
        ].join('\n'),
        `${BACKUPS}${SHIP}ref: v2 }\n`,
      ),
    );
    const result = loadConfig(file, { env: {} });
    expect(result.ok ? [] : result.errors).toEqual([]);
    if (!result.ok) return;
    const deploy = result.config.deploys.web;
    expect(deploy).toMatchObject({
      repo: './app',
      fetch: true,
      migrates: true,
      restore: 'auto',
      rollback: 'auto',
      require_digest: false,
      keep_releases: 10,
      verify: { healthy_within: 60_000, checks: ['web.health'] },
    });
    expect(deploy?.image).toBeUndefined();
    expect(deploy?.steps).toEqual([
      { run: 'pip install -r requirements.txt', name: 'pip install -r requirements.txt' },
      { run: 'python manage.py migrate --noinput', name: 'migrate', timeout: 300_000 },
      { run: ['python', 'manage.py', 'check', '--deploy'], name: 'python manage.py check --deploy' },
    ]);
    expect(deploy?.before).toEqual([
      { kind: 'env', options: true },
      { kind: 'backup', options: 'db', max_age: 3_600_000 },
    ]);
  });

  it('loads a deploy by image through compose, with the defaults of the new fields', () => {
    const file = dir.write(
      'image.yaml',
      stack(
        'compose',
        'image: ghcr.io/example/web\nrequire_digest: true\nbefore: [ { backup: db } ]',
        BACKUPS,
      ),
    );
    const result = loadConfig(file, { env: {} });
    expect(result.ok ? [] : result.errors).toEqual([]);
    if (!result.ok) return;
    expect(result.config.deploys.web).toMatchObject({
      image: 'ghcr.io/example/web',
      require_digest: true,
      fetch: false,
      migrates: false,
      restore: 'approve',
      before: [{ kind: 'backup', options: 'db' }],
    });
    expect(result.config.deploys.web?.repo).toBeUndefined();
    expect(result.config.deploys.web?.steps).toBeUndefined();
  });

  it('loads a deploy by image without image:, through docker (the image comes from --image)', () => {
    const file = dir.write('docker.yaml', stack('docker', 'verify: { healthy_within: 1m }'));
    const result = loadConfig(file, { env: {} });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
