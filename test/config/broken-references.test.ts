import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type Case, check, http, itReportsEach, runbook, v1 } from './broken-case.js';

/** Each file names something it does not define: the error is at the name, with the closest one. */
const cases: Case[] = [
  // references
  {
    name: 'unknown notifier',
    yaml: `${check(`${http}        notify: [ opz ]\n`)}notifiers:\n  ops: { ntfy: { topic: t } }\n`,
    at: '7:19 services.web.checks.health.notify[0]',
    message: 'unknown notifier `opz`',
    hint: 'did you mean `ops`?',
  },
  {
    name: 'unknown repository',
    yaml: `${v1}repositories:\n  local: { local: { path: ./b } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: offsite\n`,
    at: '7:17 backups.db.repository',
    message: 'unknown repository `offsite`',
    hint: 'defined: local',
  },
  {
    name: 'unknown service in the status page',
    yaml: `${check(http)}status_page: { title: Shop, components: [ web, wbe ] }\n`,
    at: '7:48 status_page.components[1]',
    message: 'unknown service `wbe`',
    hint: 'did you mean `web`?',
  },
  {
    name: 'unknown smoke suite in a deploy',
    yaml: `${check(http)}smoke:\n  after: [ { check: web.health } ]\ndeploys:\n  web: { verify: { smoke: aftr } }\n`,
    at: '10:27 deploys.web.verify.smoke',
    message: 'unknown smoke suite `aftr`',
    hint: 'did you mean `after`?',
  },
  {
    name: 'deploy of an unknown service',
    yaml: `${check(http)}deploys:\n  api: {}\n`,
    at: '8:3 deploys.api',
    message: 'unknown service `api`',
  },
  {
    name: 'unknown check in a runbook',
    yaml: runbook('check: web.helth'),
    at: '10:16 runbooks.fix.steps[0].check',
    message: 'unknown check `web.helth`',
    hint: 'did you mean `web.health`?',
  },
  {
    name: 'unknown service to restart',
    yaml: runbook('restart: wbe'),
    at: '10:18 runbooks.fix.steps[0].restart',
    message: 'unknown service `wbe`',
    hint: 'did you mean `web`?',
  },
  {
    name: 'unknown backup before a deploy',
    yaml: `${check(http)}deploys:\n  web: { before: [ env, { backup: db } ] }\n`,
    at: '8:35 deploys.web.before[1].backup',
    message: 'unknown backup `db`: the file defines no backups',
  },
  {
    name: 'unknown repository when there is none',
    yaml: `${v1}backups:\n  db: { source: { sqlite: { path: a.db } }, repository: vault }\n`,
    at: '3:57 backups.db.repository',
    message: 'unknown repository `vault`: the file defines no repositories',
  },
  {
    name: 'unknown check in a rule',
    yaml: `${check(http)}rules:\n  slow: { when: "p95(web.helth.latency, 5m) > 1s" }\n`,
    at: '8:17 rules.slow.when',
    message: 'unknown check `web.helth`',
  },
  {
    name: 'bad severity',
    yaml: check(`${http}        severity: urgent\n`),
    at: '7:19 services.web.checks.health.severity',
    message: 'unknown severity `urgent`',
    hint: 'critical, high, medium, low',
  },
  {
    name: 'severity outside incidents.severities',
    yaml: `${check(`${http}        severity: high\n`)}incidents:\n  severities: { sev1: { respond_within: 15m } }\n`,
    at: '7:19 services.web.checks.health.severity',
    message: 'unknown severity `high`',
    hint: 'sev1',
  },
  {
    name: 'maintenance without a schedule',
    yaml: `${v1}maintenance:\n  - { name: once, duration: 1h }\n`,
    at: '3:5 maintenance[0]',
    message: 'expected either schedule',
  },
  {
    name: 'unknown service in maintenance',
    yaml: `${check(http)}maintenance:\n  - { name: w, schedule: "0 2 * * 0", duration: 1h, services: [ db ] }\n`,
    at: '8:65 maintenance[0].services[0]',
    message: 'unknown service `db`',
  },
];

describe('broken references', () => {
  itReportsEach(cases);
});

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-many-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('every error at once', () => {
  it('reports YAML, variable, schema and reference errors together, in file order', () => {
    const yaml = [
      'version: 1',
      'services:',
      '  web:',
      '    checks:',
      '      health:',
      '        http: { url: "${BASE_URL:?the public URL}/health" }',
      '        evry: 10s',
      'notifiers:',
      '  ops: { ntfy: { topic: a } }',
      '  ops: { ntfy: { topic: b } }',
      'status_page: { title: Shop, components: [ api ] }',
      'backups:',
      '  db: { source: { sqlite: { path: a.db } }, repository: local, schedule: "61 * * * *" }',
      '',
    ].join('\n');
    const file = path.join(dir, 'many.yaml');
    writeFileSync(file, yaml);
    const result = loadConfig(file, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`)).toEqual([
      // The variable is reported once; the URL it left behind is not reported again.
      '6:22 services.web.checks.health.http.url: required variable BASE_URL is not set: the public URL',
      '7:9 services.web.checks.health.evry: unknown key `evry`',
      // A duplicate key stops nothing: the sections are still validated and cross-checked.
      '10:3 : duplicate name `ops`: a key may appear once in a mapping',
      '11:43 status_page.components[0]: unknown service `api`',
      // Names are cross-checked in the same pass, also in a section with a schema error.
      '13:57 backups.db.repository: unknown repository `local`: the file defines no repositories',
      '13:74 backups.db.schedule: expected a valid cron expression (Invalid value for minute: 61), got "61 * * * *"',
    ]);
  });

  it('reports schema errors, unknown names and unfilled fields in one run, each once', () => {
    const yaml = [
      'version: 1',
      'services:',
      '  web:',
      '    checks:',
      '      health:',
      '        tcp: { host: 127.0.0.1, port: 5432 }',
      '        every: soon',
      '        expect: [ "status == 200", "latency <" ]',
      '        notify: [ opz ]',
      'notifiers:',
      '  ops: { ntfy: { topic: t } }',
      'runbooks:',
      '  fix:',
      '    steps:',
      '      - restart: wbe',
      '      - wait: { healthy: web, timeout: nope }',
      '      - restart: "not a name"',
      'smoke:',
      '  after:',
      '    - check: web.health',
      `      expect: [ "body contains 'ok'" ]`,
      '',
    ].join('\n');
    const file = path.join(dir, 'one-pass.yaml');
    writeFileSync(file, yaml);
    const result = loadConfig(file, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message} | ${e.hint ?? ''}`)).toEqual([
      // A bad `every` in the check hides neither its unknown notifier nor its condition's unfilled field,
      '7:16 services.web.checks.health.every: expected a duration like 10s, 5m or 250ms, got "soon" | ',
      '8:20 services.web.checks.health.expect[0]: tcp checks never fill status, so this condition could never pass | tcp results have connected, ip, latency',
      // and a sibling condition's syntax error hides nothing either.
      '8:46 services.web.checks.health.expect[1]: bad condition: the condition ends where a value was expected | ',
      '9:19 services.web.checks.health.notify[0]: unknown notifier `opz` | did you mean `ops`?',
      // A step's name is checked though a sibling step is invalid;
      '15:18 runbooks.fix.steps[0].restart: unknown service `wbe` | did you mean `web`?',
      '16:40 runbooks.fix.steps[1].wait.timeout: expected a duration like 10s, 5m or 250ms, got "nope" | ',
      // a value that is no name at all is the schema's to report, once.
      '17:18 runbooks.fix.steps[2].restart: expected a name of letters, digits, - and _, starting with a letter, got "not a name" | ',
      // A smoke step is held to the fields of the check it runs, though that check's section is invalid.
      '21:18 smoke.after[0].expect[0]: tcp checks never fill body, so this condition could never pass | tcp results have connected, ip, latency',
    ]);
  });

  it('still checks references in sections that are valid when another section is not', () => {
    const file = path.join(dir, 'partial.yaml');
    writeFileSync(
      file,
      `${v1}services:\n  web: { checks: { health: { http: { url: "http://x/" }, every: soon } } }\nstatus_page: { title: T, components: [ api ] }\n`,
    );
    const result = loadConfig(file, { env: {} });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual([
      'services.web.checks.health.every',
      'status_page.components[0]',
    ]);
  });
});
