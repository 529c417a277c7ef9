import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { backup, type Case, check, http, itReportsEach, runbook, v1 } from './broken-case.js';

/** Each file has one mistake in its YAML, its variables or a value: the error says where and what to do. */
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
  // unions and typos of required keys
  {
    name: 'url and sqlite together',
    yaml: `${v1}store: { url: "postgres://db/x", sqlite: { path: a.db } }\n`,
    at: '2:8 store',
    message: 'expected url or sqlite, not both',
  },
  {
    name: 'a wrong value deep in a driver',
    yaml: `${v1}services:\n  web: { driver: { systemd: { unit: 3 } } }\n`,
    at: '3:37 services.web.driver.systemd.unit',
    message: 'expected a string, got 3',
  },
  {
    name: 'an approve step of the wrong type',
    yaml: runbook('approve: 42'),
    at: '10:18 runbooks.fix.steps[0].approve',
    message: 'expected a string or a mapping, got 42',
  },
  {
    name: 'a typo of a required key is one error',
    yaml: check(`${http}        expect: [ { wran: "status == 1" } ]\n`),
    at: '7:21 services.web.checks.health.expect[0].wran',
    message: 'unknown key `wran`',
    hint: 'did you mean `warn`?',
  },
  {
    name: 'a missing required key in a step',
    yaml: runbook('shell: {}'),
    at: '10:9 runbooks.fix.steps[0].shell.run',
    message: 'missing required key `run`',
  },
  {
    name: 'an empty smoke suite',
    yaml: `${v1}smoke:\n  after: []\n`,
    at: '3:10 smoke.after',
    message: 'expected at least 1 item, got an empty list',
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
  // alert labels: where an alert comes from is Dayshift's label `origin`, once `source`
  {
    name: "a check's label called source, the origin's old name",
    yaml: check(`${http}        labels: { team: web, source: billing }\n`),
    at: '7:30 services.web.checks.health.labels.source',
    message: 'where an alert comes from is now the label `origin`',
    hint: 'give this label another name',
  },
  {
    name: "a rule's label called origin, which Dayshift sets",
    yaml: `${check(http)}rules:\n  slow:\n    when: "p95(web.health.latency, 5m) > 1s"\n    labels:\n      origin: billing\n`,
    at: '11:7 rules.slow.labels.origin',
    message: 'the label `origin` is set by Dayshift',
    hint: 'give this label another name',
  },
  {
    name: "a notifier template that reads the origin's old field",
    yaml: `${v1}notifiers:\n  ops:\n    webhook: { url: "http://127.0.0.1/hook" }\n    template: { text: "{{#alerts}}{{name}} from {{labels.source}}{{/alerts}}" }\n`,
    at: '5:23 notifiers.ops.template.text',
    message:
      "bad template: {{labels.source}} names the alert's old field source, which is now origin: write {{labels.origin}}",
  },
  {
    name: 'a webhook body template with an unclosed tag',
    yaml: `${v1}notifiers:\n  chat:\n    webhook:\n      url: "http://127.0.0.1/hook"\n      body: '{"text": {{title}'\n`,
    at: '6:13 notifiers.chat.webhook.body',
    message: 'bad body template: Unclosed tag at line 1, column 18 of the template',
  },
  {
    name: 'a JSON webhook body template that does not render JSON',
    yaml: `${v1}notifiers:\n  chat:\n    webhook:\n      url: "http://127.0.0.1/hook"\n      body: '{"text": {{title}} }'\n`,
    at: '6:13 notifiers.chat.webhook.body',
    message: 'it does not render valid JSON',
  },
  {
    name: 'a webhook body with the alertmanager format',
    yaml: `${v1}notifiers:\n  chat:\n    webhook:\n      url: "http://127.0.0.1/hook"\n      format: alertmanager\n      body: '{"text": "{{title}}"}'\n`,
    at: '7:13 notifiers.chat.webhook.body',
    message: 'cannot be combined with format: alertmanager',
  },
  {
    name: 'a webhook external_url outside the alertmanager format',
    yaml: `${v1}notifiers:\n  chat:\n    webhook:\n      url: "http://127.0.0.1/hook"\n      external_url: "https://d.example.com"\n`,
    at: '6:21 notifiers.chat.webhook.external_url',
    message: 'external_url is sent only in the alertmanager format',
  },
  {
    name: 'a webhook content_type without a body template',
    yaml: `${v1}notifiers:\n  chat:\n    webhook:\n      url: "http://127.0.0.1/hook"\n      content_type: text/plain\n`,
    at: '6:21 notifiers.chat.webhook.content_type',
    message: 'content_type is the body template’s; add body or remove it',
  },
  {
    name: 'a webhook payload version that does not exist',
    yaml: `${v1}notifiers:\n  chat:\n    webhook:\n      url: "http://127.0.0.1/hook"\n      version: 2\n`,
    at: '6:16 notifiers.chat.webhook.version',
    message: 'expected 1, the only payload version so far',
  },
  // on-call rotations: hand-offs must fall at the same local times every day
  {
    name: 'on-call shift that does not divide a day',
    yaml: `${v1}people:\n  ann: { notify: [hook] }\nnotifiers:\n  hook: { webhook: { url: "http://127.0.0.1/h" } }\noncall:\n  ops: { members: [ann], shift: 5h }\n`,
    at: '7:33 oncall.ops.shift',
    message: 'expected a shift that divides 24h',
  },
  {
    name: 'on-call shift of days and hours',
    yaml: `${v1}people:\n  ann: { notify: [hook] }\nnotifiers:\n  hook: { webhook: { url: "http://127.0.0.1/h" } }\noncall:\n  ops: { members: [ann], shift: 36h }\n`,
    at: '7:33 oncall.ops.shift',
    message: 'expected whole days for a shift longer than a day',
  },
  {
    name: 'on-call start on a day that does not exist',
    yaml: `${v1}people:\n  ann: { notify: [hook] }\nnotifiers:\n  hook: { webhook: { url: "http://127.0.0.1/h" } }\noncall:\n  ops: { members: [ann], start: "2026-02-30" }\n`,
    at: '7:33 oncall.ops.start',
    message: 'expected a real date',
  },
];

describe('broken values', () => {
  it('is a table of at least 25 files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
  itReportsEach(cases);

  it("reports a check's timeout longer than every beside its condition's syntax error, in one pass", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-broken-'));
    try {
      const file = path.join(dir, 'both.yaml');
      writeFileSync(
        file,
        check(`${http}        every: 5s\n        timeout: 10s\n        expect: [ "status ==" ]\n`),
      );
      const result = loadConfig(file, { env: {} });
      expect(result.ok ? [] : result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`)).toEqual(
        [
          '8:18 services.web.checks.health.timeout: expected a timeout no longer than every (5s), so runs never overlap',
          '9:29 services.web.checks.health.expect[0]: bad condition: the condition ends where a value was expected',
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
