import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';
import { gateKinds } from '../../src/config/sections/deploy-gates.js';
import { stepKinds } from '../../src/steps/registry.js';
import { type Case, itReportsEach } from './broken-case.js';
import { scratch } from './fixtures.js';

const tmp = scratch('declared');
afterAll(tmp.cleanup);

/**
 * One of each thing a step or gate can name: service web (check web.health), with a driver that can do
 * every action a step asks, backup db, smoke suite after, notifier ops.
 */
const defined = [
  'version: 1',
  'services:',
  '  web:',
  '    driver: compose',
  '    checks: { health: { http: { url: "http://127.0.0.1/health" } } }',
  'repositories:',
  '  local: { local: { path: ./b } }',
  'backups:',
  '  db: { source: { sqlite: { path: db.sqlite3 } }, repository: local }',
  'notifiers:',
  '  ops: { ntfy: { topic: t } }',
  'smoke:',
  '  after: [ { check: web.health } ]',
  '',
].join('\n');

/** A runbook `fix` whose one step is written at line 17, column 9. */
const step = (text: string) => `${defined}runbooks:\n  fix:\n    steps:\n      - ${text}\n`;

/** A step of `kind` naming something the file does not define: where, what, and the hint. */
type StepRow = [kind: string, text: string, at: string, message: string, hint: string];

const stepRows: StepRow[] = [
  ['check', 'check: web.helth', '17:16 check', 'unknown check `web.helth`', 'did you mean `web.health`?'],
  ['check', 'check: wbe', '17:16 check', 'unknown service `wbe`', 'did you mean `web`?'],
  ['check', 'check: [ web.health, web.helth ]', '17:30 check[1]', 'unknown check `web.helth`', 'web.health'],
  ['logs', 'logs: wbe', '17:15 logs', 'unknown service `wbe`', 'did you mean `web`?'],
  ['logs', 'logs: { service: wbe, since: 15m }', '17:26 logs.service', 'unknown service `wbe`', '`web`'],
  ['restart', 'restart: wbe', '17:18 restart', 'unknown service `wbe`', 'did you mean `web`?'],
  ['stop', 'stop: wbe', '17:15 stop', 'unknown service `wbe`', 'did you mean `web`?'],
  ['start', 'start: wbe', '17:16 start', 'unknown service `wbe`', 'did you mean `web`?'],
  ['rebuild', 'rebuild: wbe', '17:18 rebuild', 'unknown service `wbe`', 'did you mean `web`?'],
  ['redeploy', 'redeploy: wbe', '17:19 redeploy', 'unknown service `wbe`', 'did you mean `web`?'],
  ['rollback', 'rollback: wbe', '17:19 rollback', 'unknown service `wbe`', 'did you mean `web`?'],
  ['scale', 'scale: { service: wbe, replicas: 2 }', '17:27 scale.service', 'unknown service `wbe`', '`web`'],
  [
    'deploy',
    'deploy: { service: wbe, image: "app:1" }',
    '17:28 deploy.service',
    'unknown service `wbe`',
    '`web`',
  ],
  ['wait', 'wait: { healthy: wbe }', '17:26 wait.healthy', 'unknown service `wbe`', 'did you mean `web`?'],
  [
    'wait',
    'wait: { unhealthy: wbe }',
    '17:28 wait.unhealthy',
    'unknown service `wbe`',
    'did you mean `web`?',
  ],
  [
    'wait',
    'wait: { check: web.helth, until: "status == 200" }',
    '17:24 wait.check',
    'unknown check `web.helth`',
    'did you mean `web.health`?',
  ],
  ['backup', 'backup: bd', '17:17 backup', 'unknown backup `bd`', 'did you mean `db`?'],
  ['restore', 'restore: bd', '17:18 restore', 'unknown backup `bd`', 'did you mean `db`?'],
  ['restore', 'restore: { backup: bd }', '17:28 restore.backup', 'unknown backup `bd`', 'did you mean `db`?'],
  ['smoke', 'smoke: aftr', '17:16 smoke', 'unknown smoke suite `aftr`', 'did you mean `after`?'],
  [
    'notify',
    'notify: { to: [ ops, opz ], message: hi }',
    '17:30 notify.to[1]',
    'unknown notifier `opz`',
    'did you mean `ops`?',
  ],
];

/** Step kinds whose options name nothing in the file. */
const NAMES_NOTHING = ['approve', 'shell', 'http'];

const asCases = (rows: StepRow[], prefix: string, yaml: (text: string) => string): Case[] =>
  rows.map(([kind, text, at, message, hint]) => {
    const space = at.indexOf(' ');
    return {
      name: `${kind}: ${text}`,
      yaml: yaml(text),
      at: `${at.slice(0, space)} ${prefix}.${at.slice(space + 1)}`,
      message,
      hint,
    };
  });

describe('a runbook step naming what the file does not define is refused at the name', () => {
  itReportsEach(asCases(stepRows, 'runbooks.fix.steps[0]', step));

  it('has a row for every step kind that names something', () => {
    const covered = new Set([...stepRows.map(([kind]) => kind), ...NAMES_NOTHING]);
    expect([...covered].sort()).toEqual(Object.keys(stepKinds).sort());
  });

  it.each([
    'check: web',
    'check: [ web.health, web ]',
    'logs: { service: web, tail: 100 }',
    'restart: web',
    'scale: { service: web, replicas: 0 }',
    'wait: 30s',
    'wait: { healthy: web }',
    'backup: db',
    'restore: { backup: db, snapshot: latest, to: ./restored.sqlite3 }',
    'smoke: after',
    'notify: { to: [ ops ], message: hi }',
    'shell: "true"',
    'approve: go ahead?',
  ])('%s validates', (text) => {
    const result = loadConfig(tmp.write('ok.yaml', step(text)), { env: {} });
    expect(result.ok ? '' : formatIssues(result.errors)).toBe('');
  });
});

/** A runbook `fix`, and a deploy of web whose one `before:` gate is written at line 17, column 20. */
const gate = (text: string) =>
  `${defined}runbooks:\n  fix: { steps: [ { restart: web } ] }\ndeploys:\n  web: { before: [ ${text} ] }\n`;

const gateRows: StepRow[] = [
  ['backup', '{ backup: bd }', '17:30 backup', 'unknown backup `bd`', 'did you mean `db`?'],
  ['smoke', '{ smoke: aftr }', '17:29 smoke', 'unknown smoke suite `aftr`', 'did you mean `after`?'],
  ['runbook', '{ runbook: fx }', '17:31 runbook', 'unknown runbook `fx`', 'did you mean `fix`?'],
  ['check', '{ check: web.helth }', '17:29 check', 'unknown check `web.helth`', 'did you mean `web.health`?'],
  ['check', '{ check: wbe }', '17:29 check', 'unknown service `wbe`', 'did you mean `web`?'],
];

describe('a deploy gate naming what the file does not define is refused at the name', () => {
  itReportsEach([
    ...asCases(gateRows, 'deploys.web.before[0]', gate),
    {
      name: 'verify.checks',
      yaml: `${defined}deploys:\n  web: { verify: { checks: [ web.helth ] } }\n`,
      at: '15:30 deploys.web.verify.checks[0]',
      message: 'unknown check `web.helth`',
      hint: 'did you mean `web.health`?',
    },
  ]);

  it('has a row for every gate that names something', () => {
    const covered = new Set([...gateRows.map(([kind]) => kind), 'env', 'approve']);
    expect([...covered].sort()).toEqual(Object.keys(gateKinds).sort());
  });

  it('validates gates that name what exists', () => {
    const all = 'env, { backup: db }, { smoke: after }, { runbook: fix }, { check: web }, { approve: ok? }';
    const result = loadConfig(tmp.write('gates.yaml', gate(all)), { env: {} });
    expect(result.ok ? '' : formatIssues(result.errors)).toBe('');
  });
});

/** A smoke suite `s` beside `after`, whose one step is written at line 15, column 7. */
const smoke = (text: string) => `${defined}  s:\n    - ${text}\n`;

describe('a smoke step runs one check the file defines', () => {
  itReportsEach([
    {
      name: 'an unknown check',
      yaml: smoke('check: web.helth'),
      at: '15:14 smoke.s[0].check',
      message: 'unknown check `web.helth`',
      hint: 'did you mean `web.health`?',
    },
    {
      name: 'a service, which would fail when the suite runs',
      yaml: smoke('check: web'),
      at: '15:14 smoke.s[0].check',
      message: '`web` is a service: name one of its checks as service.check',
      hint: 'its checks: web.health',
    },
  ]);
});

/** Where a restore step may write is the restore rules', declared by the step as a restore target. */
describe('a restore step writing where the restore rules refuse is refused at its to', () => {
  itReportsEach([
    {
      name: 'outside the stack directory',
      yaml: step('restore: { backup: db, to: /var/elsewhere.sqlite3 }'),
      at: '17:36 runbooks.fix.steps[0].restore.to',
      message:
        'restore target /var/elsewhere.sqlite3 is outside the stack file directory and restore.allowed_paths',
      hint: 'add the directory to restore.allowed_paths',
    },
  ]);
});
