import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-broken-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  yaml: string;
  env?: Record<string, string>;
  /** `line:col path` of the error the file must report. */
  at: string;
  /** A fragment of its message. */
  message: string;
  /** A fragment of its hint. */
  hint?: string;
}

const v1 = 'version: 1\n';
/** A check at services.web.checks.health; its lines start at line 6, indented 8. */
const check = (lines: string) => `${v1}services:\n  web:\n    checks:\n      health:\n${lines}`;
const http = '        http: { url: "http://127.0.0.1/health" }\n';
const backup = (line: string) =>
  `${v1}repositories:\n  local: { local: { path: ./b } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: local\n${line}`;
const runbook = (step: string) => `${check(http)}runbooks:\n  fix:\n    steps:\n      - ${step}\n`;

/** Each file has one mistake: the error names its line, column and path, and says what to do. */
const cases: Case[] = [
  // YAML itself
  { name: 'bad YAML syntax', yaml: `${v1}services: [\n  web: {\n`, at: '4:1', message: 'invalid YAML' },
  {
    name: 'tab indentation',
    yaml: `${v1}services:\n\tweb: {}\n`,
    at: '3:1',
    message: 'invalid YAML',
    hint: 'indent with spaces',
  },
  {
    name: 'duplicate key',
    yaml: `${v1}services:\n  web: {}\n  web: {}\n`,
    at: '4:3',
    message: 'duplicate name `web`',
  },
  {
    name: 'two documents',
    yaml: `${v1}---\nversion: 1\n`,
    at: '2:1',
    message: 'invalid YAML',
    hint: 'one YAML document',
  },
  {
    name: 'empty file',
    yaml: '# nothing yet\n',
    at: '1:1',
    message: 'the file is empty',
    hint: 'version: 1',
  },
  // version and sections
  {
    name: 'version other than 1',
    yaml: 'version: 2\n',
    at: '1:10 version',
    message: 'expected 1, the only version of this file format, got 2',
  },
  { name: 'missing version', yaml: 'stack: shop\n', at: '1:1', message: 'missing required key `version`' },
  {
    name: 'unknown section',
    yaml: `${v1}servcies: {}\n`,
    at: '2:1 servcies',
    message: 'unknown section `servcies`',
    hint: 'did you mean `services`?',
  },
  // keys and types
  {
    name: 'unknown key, typo hint',
    yaml: check(`${http}        evry: 10s\n`),
    at: '7:9 services.web.checks.health.evry',
    message: 'unknown key `evry`',
    hint: 'did you mean `every`?',
  },
  {
    name: 'wrong type',
    yaml: check(`${http}        retries: three\n`),
    at: '7:18 services.web.checks.health.retries',
    message: 'expected a whole number, got "three"',
  },
  {
    name: 'negative retries',
    yaml: check(`${http}        retries: -1\n`),
    at: '7:18 services.web.checks.health.retries',
    message: 'expected a whole number >= 1, got -1',
  },
  {
    name: 'missing required option',
    yaml: check('        http: { method: GET }\n'),
    at: '6:9 services.web.checks.health.http.url',
    message: 'missing required key `url`',
  },
  {
    name: 'invalid name',
    yaml: `${v1}services:\n  "web app": {}\n`,
    at: '3:3 services.web app',
    message: 'invalid name `web app`: expected a name of letters, digits',
  },
  // durations, cron, time zones, percentages, URLs
  {
    name: 'bad duration',
    yaml: check(`${http}        every: 10 seconds\n`),
    at: '7:16 services.web.checks.health.every',
    message: 'expected a duration like 10s, 5m or 250ms, got "10 seconds"',
  },
  {
    name: 'timeout longer than every',
    yaml: check(`${http}        every: 5s\n        timeout: 10s\n`),
    at: '8:18 services.web.checks.health.timeout',
    message: 'no longer than every (5s)',
  },
  {
    name: 'bad cron',
    yaml: backup('    schedule: "0 25 * * *"\n'),
    at: '8:15 backups.db.schedule',
    message: 'expected a valid cron expression',
  },
  {
    name: 'cron with three fields',
    yaml: `${v1}maintenance:\n  - { name: vacuum, schedule: "0 2 *", duration: 1h }\n`,
    at: '3:31 maintenance[0].schedule',
    message: 'expected a cron expression of 5 or 6 fields',
  },
  {
    name: 'bad time zone',
    yaml: backup('    timezone: Mars/Olympus\n'),
    at: '8:15 backups.db.timezone',
    message: 'expected an IANA time zone, got "Mars/Olympus"',
    hint: 'UTC',
  },
  {
    name: 'bad percentage',
    yaml: backup('    verify: { read_data: 120% }\n'),
    at: '8:26 backups.db.verify.read_data',
    message: 'expected a percentage from 0% to 100%',
  },
  {
    name: 'bad URL',
    yaml: check('        http: { url: "localhost:8080/health" }\n'),
    at: '6:22 services.web.checks.health.http.url',
    message: 'expected an http:// or https:// URL, got "localhost:8080/health"',
  },
  {
    name: 'bad listen address',
    yaml: `${v1}server: { listen: localhost }\n`,
    at: '2:19 server.listen',
    message: 'expected host:port',
  },
  // variables
  {
    name: 'missing required variable',
    yaml: `${v1}store:\n  url: "\${DAYSHIFT_DB:?the shared store URL}"\n`,
    at: '3:8 store.url',
    message: 'required variable DAYSHIFT_DB is not set: the shared store URL',
  },
  {
    name: 'required variable empty',
    yaml: `${v1}stack: "\${STACK_NAME:?}"\n`,
    env: { STACK_NAME: '' },
    at: '2:8 stack',
    message: 'required variable STACK_NAME is empty',
  },
  {
    name: 'unclosed variable',
    yaml: `${v1}stack: "web-\${NAME"\n`,
    at: '2:8 stack',
    message: 'a ${ has no closing }',
  },
  {
    name: 'URL emptied by an unset variable',
    yaml: check('        http: { url: "${BACKEND_URL}/health" }\n'),
    at: '6:22 services.web.checks.health.http.url',
    message: 'expected an http:// or https:// URL',
    hint: 'BACKEND_URL is not set',
  },
  // conditions
  {
    name: 'bad condition, column inside',
    yaml: check(`${http}        expect: [ "status = 200" ]\n`),
    at: '7:27 services.web.checks.health.expect[0]',
    message: 'bad condition: use == to compare, not =',
  },
  {
    name: 'condition without operator',
    yaml: check(`${http}        expect: [ status ]\n`),
    at: '7:25 services.web.checks.health.expect[0]',
    message: 'ends before its operator',
  },
  {
    name: 'unquoted text in a condition',
    yaml: check(`${http}        expect: [ "json.status == ok" ]\n`),
    at: '7:35 services.web.checks.health.expect[0]',
    message: "text must be quoted: 'ok'",
  },
  {
    name: 'warn condition',
    yaml: check(`${http}        expect: [ { warn: "latency < 80%" } ]\n`),
    at: '7:38 services.web.checks.health.expect[0].warn',
    message: 'latency is a duration',
  },
  {
    name: 'unknown Gatus placeholder',
    yaml: check(`${http}        expect: [ "[STATUSCODE] == 200" ]\n`),
    at: '7:20 services.web.checks.health.expect[0]',
    message: 'unknown placeholder [STATUSCODE]',
    hint: 'did you mean `[STATUS]`?',
  },
  {
    name: 'Gatus duration in days',
    yaml: check(`${http}        expect: [ "[CERTIFICATE_EXPIRATION] > 30d" ]\n`),
    at: '7:47 services.web.checks.health.expect[0]',
    message: 'Gatus would compare it as 0',
    hint: '720h',
  },
  // kinds
  {
    name: 'unknown check kind',
    yaml: check('        htttp: { url: "http://127.0.0.1/health" }\n'),
    at: '6:9 services.web.checks.health.htttp',
    message: 'unknown check kind `htttp`',
    hint: 'did you mean `http`?',
  },
  {
    name: 'two kind keys',
    yaml: check(`${http}        tcp: { host: localhost, port: 80 }\n`),
    at: '7:9 services.web.checks.health.tcp',
    message: 'expected one check kind key, got 2: http, tcp',
  },
  {
    name: 'no kind key',
    yaml: check('        every: 10s\n'),
    at: '5:7 services.web.checks.health',
    message: 'expected one check kind key: http, tcp',
  },
  {
    name: 'two backlog keys on redis',
    yaml: check('        redis: { url: "redis://127.0.0.1", llen: a, xlen: b }\n'),
    at: '6:59 services.web.checks.health.redis.xlen',
    message: 'expected one of llen, xlen or zcard',
  },
  {
    name: 'unknown driver',
    yaml: `${v1}services:\n  web: { driver: dokcer }\n`,
    at: '3:18 services.web.driver',
    message: 'got "dokcer"',
    hint: 'did you mean `docker`?',
  },
  {
    name: 'unknown step kind',
    yaml: runbook('restrat: web'),
    at: '10:9 runbooks.fix.steps[0].restrat',
    message: 'unknown step kind `restrat`',
    hint: 'did you mean `restart`?',
  },
  {
    name: 'unknown drill assertion',
    yaml: backup('    drill: { assert: [ { row_count: true } ] }\n'),
    at: '8:26 backups.db.drill.assert[0].row_count',
    message: 'unknown assertion `row_count`',
    hint: 'did you mean `row_counts`?',
  },
  {
    name: 'two drill targets',
    yaml: backup('    drill: { into: { sqlite: {}, files: {} } }\n'),
    at: '8:34 backups.db.drill.into.files',
    message: 'expected one restore target key, got 2: sqlite, files',
  },
  // secrets
  {
    name: 'secret URL with the wrong scheme',
    yaml: `${v1}store:\n  url: "mysql://root:hunter2@db/app"\n`,
    at: '3:8 store.url',
    message: 'expected a postgres:// or postgresql:// URL',
  },
  {
    name: 'DAYSHIFT_DATABASE_URL not postgres',
    yaml: v1,
    env: { DAYSHIFT_DATABASE_URL: 'mysql://db/app' },
    at: '1:1 store',
    message: '$DAYSHIFT_DATABASE_URL must be a postgres:// URL',
  },
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
  // other values
  {
    name: 'bad regular expression in the env contract',
    yaml: `${v1}env:\n  vars:\n    HOSTS: { pattern: "([a-z]" }\n`,
    at: '4:23 env.vars.HOSTS.pattern',
    message: 'expected a regular expression',
  },
  {
    name: 'known-good that is not a digest',
    yaml: `${check(http)}deploys:\n  web: { known_good: [ "v1.2.3" ] }\n`,
    at: '8:24 deploys.web.known_good[0]',
    message: 'expected an image digest like sha256:',
  },
];

function load(c: Case, index: number) {
  const file = path.join(dir, `case-${index}.yaml`);
  writeFileSync(file, c.yaml);
  return { file, result: loadConfig(file, { env: c.env ?? {} }) };
}

describe('broken stack files', () => {
  it('has a table of at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, index) => {
    const { file, result } = load(c, index);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const shown = result.errors.map(formatIssue);
    const space = c.at.indexOf(' ');
    const where = space < 0 ? c.at : c.at.slice(0, space);
    const dotted = space < 0 ? '' : c.at.slice(space + 1);
    const match = result.errors.find(
      (e) => `${e.line}:${e.col}` === where && e.path === dotted && e.message.includes(c.message),
    );
    expect(match, `expected ${c.at}: …${c.message}… among:\n${shown.join('\n')}`).toBeDefined();
    if (!match) return;
    // The formatted line names the file as given, then line:col and the path.
    expect(formatIssue(match).startsWith(`${path.relative(process.cwd(), file)}:${where} `)).toBe(true);
    if (c.hint) expect(match.hint ?? '').toContain(c.hint);
  });
});

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
      '13:74 backups.db.schedule: expected a valid cron expression (Invalid value for minute: 61), got "61 * * * *"',
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
