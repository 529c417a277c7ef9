import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  yaml: string;
  env?: Record<string, string>;
  /** `line:col path: fragment of the message` of an error that must be reported. */
  error: string;
  hint?: string;
}

const head = 'version: 1\n';
const web = (check: string) => `${head}services:\n  web:\n    checks:\n      health:\n${check}`;

/** Each file has one mistake; the error must name its line, column and path, and say what to do. */
const cases: Case[] = [
  { name: 'bad YAML syntax', yaml: `${head}services: [\n  web: {\n`, error: '4:1 : invalid YAML' },
  { name: 'tab indentation', yaml: `${head}services:\n\tweb: {}\n`, error: '3:1 : invalid YAML' },
  {
    name: 'unknown key with a typo hint',
    yaml: web('        http: { url: "http://127.0.0.1/health" }\n        evry: 10s\n'),
    error: '7:9 services.web.checks.health.evry: unknown key `evry`',
    hint: 'did you mean `every`?',
  },
  {
    name: 'unknown top-level section',
    yaml: `${head}servcies: {}\n`,
    error: '2:1 servcies: unknown key',
    hint: 'did you mean `services`?',
  },
  {
    name: 'bad duration',
    yaml: web('        http: { url: "http://127.0.0.1/health" }\n        every: 10 seconds\n'),
    error: '7:16 services.web.checks.health.every: expected a duration like 10s',
  },
  {
    name: 'bad cron',
    yaml: `${head}repositories:\n  local: { local: { path: ./b } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: local\n    schedule: "0 25 * * *"\n`,
    error: '8:15 backups.db.schedule: invalid cron expression "0 25 * * *"',
  },
  {
    name: 'cron with too few fields',
    yaml: `${head}maintenance:\n  - { name: vacuum, schedule: "0 2 *", duration: 1h }\n`,
    error: '3:31 maintenance[0].schedule: expected a cron expression of 5 or 6 fields',
  },
  {
    name: 'unknown time zone',
    yaml: `${head}repositories:\n  local: { local: { path: ./b } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: local\n    timezone: Mars/Olympus\n`,
    error: '8:15 backups.db.timezone: unknown time zone "Mars/Olympus"',
  },
  {
    name: 'missing required variable',
    yaml: `${head}store:\n  url: "\${DAYSHIFT_DB:?set the shared store URL}"\n`,
    error: '3:9 store.url: required variable DAYSHIFT_DB is not set: set the shared store URL',
  },
  {
    name: 'required variable that is empty',
    yaml: `${head}stack: "\${STACK_NAME:?}"\n`,
    env: { STACK_NAME: '' },
    error: '2:9 stack: required variable STACK_NAME is empty',
  },
  {
    name: 'unclosed variable reference',
    yaml: `${head}stack: "app-\${NAME"\n`,
    error: '2:13 stack: a "$" followed by "{" has no closing "}"',
  },
  {
    name: 'wrong type',
    yaml: web('        http: { url: "http://127.0.0.1/health" }\n        retries: three\n'),
    error: '7:18 services.web.checks.health.retries: expected a number, got "three"',
  },
  { name: 'duplicate name', yaml: `${head}services:\n  web: {}\n  web: {}\n`, error: '4:3 : duplicate name' },
  {
    name: 'bad condition syntax, with the column inside the string',
    yaml: web('        http: { url: "http://127.0.0.1/health" }\n        expect: [ "status = 200" ]\n'),
    error: '7:27 services.web.checks.health.expect[0]: bad condition "status = 200": use == to compare',
  },
  {
    name: 'condition with no operator',
    yaml: web('        http: { url: "http://127.0.0.1/health" }\n        expect: [ "status" ]\n'),
    error:
      '7:26 services.web.checks.health.expect[0]: bad condition "status": the condition ends before its operator',
  },
  {
    name: 'Gatus condition with an unknown placeholder',
    yaml: web(
      '        http: { url: "http://127.0.0.1/health" }\n        expect: [ "[STATUSCODE] == 200" ]\n',
    ),
    error:
      '7:20 services.web.checks.health.expect[0]: bad condition "[STATUSCODE] == 200": unknown placeholder [STATUSCODE]',
  },
  {
    name: 'unknown check kind with a hint',
    yaml: web('        htttp: { url: "http://127.0.0.1/health" }\n'),
    error: '6:9 services.web.checks.health.htttp: unknown key `htttp`',
    hint: 'did you mean `http`?',
  },
  {
    name: 'two kind keys in one check',
    yaml: web(
      '        http: { url: "http://127.0.0.1/health" }\n        tcp: { host: 127.0.0.1, port: 80 }\n',
    ),
    error: '6:9 services.web.checks.health: expected one check kind key, got 2: http, tcp',
  },
  {
    name: 'missing kind key',
    yaml: web('        every: 10s\n'),
    error: '6:9 services.web.checks.health: expected one check kind key: http, tcp',
  },
  {
    name: 'missing required option',
    yaml: web('        tcp: { host: 127.0.0.1 }\n'),
    error: '6:14 services.web.checks.health.tcp.port: missing required key `port`',
  },
  {
    name: 'unknown notifier reference',
    yaml: `${head}notifiers:\n  ops: { slack: { webhook_url: "https://hooks.example/x" } }\n${web('        http: { url: "http://127.0.0.1/health" }\n        notify: [ opps ]\n').slice(head.length)}`,
    error: '9:19 services.web.checks.health.notify[0]: unknown notifier `opps`',
    hint: 'did you mean `ops`?',
  },
  {
    name: 'unknown repository reference',
    yaml: `${head}repositories:\n  local: { local: { path: ./b } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: locl\n`,
    error: '7:17 backups.db.repository: unknown repository `locl`',
    hint: 'did you mean `local`?',
  },
  {
    name: 'unknown service in the status page',
    yaml: `${head}services:\n  api: {}\nstatus_page: { title: Status, components: [ api, worker ] }\n`,
    error: '4:50 status_page.components[1]: unknown service `worker`',
  },
  {
    name: 'unknown smoke suite in a deploy',
    yaml: `${head}services:\n  api: {}\nsmoke:\n  post-deploy:\n    - { http: { url: "http://127.0.0.1/" } }\ndeploys:\n  api:\n    verify: { smoke: post-deploi }\n`,
    error: '9:22 deploys.api.verify.smoke: unknown smoke suite `post-deploi`',
    hint: 'did you mean `post-deploy`?',
  },
  {
    name: 'deploy of an unknown service',
    yaml: `${head}services:\n  api: {}\ndeploys:\n  apii: {}\n`,
    error: '5:3 deploys.apii: unknown service `apii`',
    hint: 'did you mean `api`?',
  },
  {
    name: 'bad percentage',
    yaml: `${head}repositories:\n  r: { restic: { repository: /srv/r, password: pw } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: r\n    verify: { read_data: 150% }\n`,
    error: '8:26 backups.db.verify.read_data: expected a percentage like 80%, got "150%"',
  },
  {
    name: 'negative retries',
    yaml: web('        http: { url: "http://127.0.0.1/health" }\n        retries: -1\n'),
    error: '7:18 services.web.checks.health.retries: expected a number >= 1',
  },
  {
    name: 'bad severity',
    yaml: web('        http: { url: "http://127.0.0.1/health" }\n        severity: hihg\n'),
    error:
      '7:19 services.web.checks.health.severity: expected one of critical, high, medium, low, got "hihg"',
    hint: 'did you mean `high`?',
  },
  {
    name: 'bad URL',
    yaml: web('        http: { url: "localhost:8080/health" }\n'),
    error: '6:22 services.web.checks.health.http.url: expected an http:// or https:// URL',
  },
  {
    name: 'URL left empty by an unset variable',
    yaml: web('        http: { url: "${HEALTH_URL}" }\n'),
    error: '6:22 services.web.checks.health.http.url: expected a URL, got an empty value',
    hint: 'the variable HEALTH_URL is not set',
  },
  { name: 'version other than 1', yaml: 'version: 2\n', error: '1:10 version: expected version: 1' },
  { name: 'missing version', yaml: 'stack: x\n', error: '1:1 version: missing required key `version`' },
  {
    name: 'unknown step kind',
    yaml: `${head}services:\n  worker: {}\nrunbooks:\n  stuck:\n    steps:\n      - restat: worker\n`,
    error: '7:9 runbooks.stuck.steps[0].restat: unknown key `restat`',
    hint: 'did you mean `restart`?',
  },
  {
    name: 'runbook step naming an unknown check',
    yaml: `${head}services:\n  worker:\n    checks:\n      backlog: { redis: { url: "redis://127.0.0.1:6379", llen: celery } }\nrunbooks:\n  stuck:\n    steps:\n      - check: worker.backlg\n`,
    error: '9:16 runbooks.stuck.steps[0].check: unknown check `worker.backlg`',
    hint: 'did you mean `worker.backlog`?',
  },
  {
    name: 'secret URL with the wrong scheme',
    yaml: `${head}store:\n  url: "mysql://app:hunter22@db/app"\n`,
    error: '3:8 store.url: expected a URL starting with postgres:// or postgresql://',
  },
  {
    name: 'two backlog kinds on one redis check',
    yaml: web('        redis: { url: "redis://127.0.0.1:6379", llen: a, zcard: b }\n'),
    error: '6:16 services.web.checks.health.redis: use at most one of llen, xlen, zcard',
  },
];

describe('broken stack files', () => {
  it('has a table of at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('$name', ({ yaml, env, error, hint }) => {
    const file = path.join(dir, 'dayshift.yaml');
    writeFileSync(file, yaml);
    const result = loadConfig(file, { env: env ?? {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const printed = result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`);
    const match = result.errors.find((_issue, i) => printed[i]?.startsWith(error));
    expect(match, `expected "${error}" among:\n${printed.join('\n')}`).toBeDefined();
    if (hint) expect(match?.hint).toContain(hint);
    // Every error names the file, so the formatted line is `file:line:col ...`.
    expect(formatIssue(match!)).toMatch(/dayshift\.yaml:\d+:\d+ /);
  });

  it('reports every error of a file at once, in source order', () => {
    const file = path.join(dir, 'dayshift.yaml');
    writeFileSync(
      file,
      web(
        '        http: { url: "http://127.0.0.1/health" }\n        evry: 10s\n        timeout: ten\n        expect: [ "status = 200" ]\n',
      ),
    );
    const result = loadConfig(file, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.line}:${e.col}`)).toEqual(['7:9', '8:18', '9:27']);
  });
});
