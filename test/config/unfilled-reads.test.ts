import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';
import { backup, type Case, check, itReportsEach, v1 } from './broken-case.js';
import { scratch } from './fixtures.js';

const tmp = scratch('reads');
afterAll(tmp.cleanup);

/** Loads a stack file's text; the formatted errors, or '' when it validates. */
function issuesOf(yaml: string): string {
  const result = loadConfig(tmp.write('dayshift.yaml', yaml), { env: {} });
  return result.ok ? '' : formatIssues(result.errors);
}

/** A check of one kind with one `expect:` line; the condition's text starts at line 7, column 20. */
const reading = (kind: string, condition: string) =>
  check(`        ${kind}\n        expect: [ "${condition}" ]\n`);

const kinds = {
  http: 'http: { url: "http://127.0.0.1/health" }',
  tcp: 'tcp: { host: 127.0.0.1, port: 5432 }',
  tls: 'tls: { host: 127.0.0.1, port: 443 }',
  cert_file: 'cert_file: { paths: [ ./cert.pem ] }',
  dns: 'dns: { name: example.test }',
  postgres: 'postgres: { url: "postgres://127.0.0.1/app" }',
  postgresQuery:
    'postgres: { url: "postgres://127.0.0.1/app", query: "select count(*) as pending from jobs" }',
  mysql: 'mysql: { url: "mysql://127.0.0.1/app" }',
  redis: 'redis: { url: "redis://127.0.0.1" }',
  redisQueue: 'redis: { url: "redis://127.0.0.1", llen: celery, info: [ connected_clients ] }',
  sql: 'sql: { url: "postgres://127.0.0.1/app", query: "select 1" }',
  command: 'command: { run: "true" }',
  host: 'host: {}',
  docker: 'docker: { container: app }',
  heartbeat: 'heartbeat: { period: 1h }',
};

/** Conditions that used to validate and were red forever against a real target. */
const cases: Case[] = [
  ['docker', kinds.docker, 'restarts < 5', 'did you mean `restart_count`?'],
  ['docker', kinds.docker, "stat == 'running'", 'did you mean `state`?'],
  ['docker', kinds.docker, 'status == 200', 'docker results have exit_code, latency, state, health'],
  ['docker', kinds.docker, "helth == 'healthy'", 'did you mean `health`?'],
  ['tcp', kinds.tcp, 'status == 200', 'tcp results have connected, ip, latency'],
  ['tcp', kinds.tcp, "body contains 'ok'", 'tcp results have'],
  ['tcp', kinds.tcp, '[STATUS] == 200', 'tcp results have'],
  ['tcp', kinds.tcp, '[DOMAIN_EXPIRATION] > 48h', 'tcp results have'],
  [
    'http',
    kinds.http,
    '[DOMAIN_EXPIRATION] > 48h',
    'http results have status, body, header, cert, connected, ip',
  ],
  ['http', kinds.http, 'exit_code == 0', 'http results have'],
  ['http', kinds.http, 'restart_count < 3', 'http results have'],
  ['http', kinds.http, '[DNS_RCODE] == NOERROR', 'http results have'],
  ['redis', kinds.redisQueue, 'valeu < 3', 'did you mean `value`?'],
  ['redis', kinds.redis, 'value < 100', 'redis results have connected, latency, ping'],
  [
    'redis',
    kinds.redisQueue,
    'used_memory < 1000',
    'redis results have connected, latency, ping, value, connected_clients',
  ],
  ['tls', kinds.tls, 'status == 200', 'tls results have cert, connected, latency, chain_valid'],
  ['tls', kinds.tls, 'days_lfet > 7', 'did you mean `days_left`?'],
  ['tls', kinds.tls, '[BODY] == ok', 'tls results have'],
  ['cert_file', kinds.cert_file, 'connected == true', 'cert_file results have cert, latency, days_left'],
  ['cert_file', kinds.cert_file, 'header.x-id exists', 'cert_file results have'],
  [
    'dns',
    kinds.dns,
    'status == 200',
    'dns results have dns_rcode, ip, body, connected, latency, value, rcode, count',
  ],
  ['dns', kinds.dns, '[STATUS] == 0', 'dns results have'],
  ['dns', kinds.dns, 'cuont > 0', 'did you mean `count`?'],
  ['postgres', kinds.postgres, 'value > 0', 'postgres results have connected, latency, connections'],
  ['mysql', kinds.mysql, 'conections_pct < 80%', 'did you mean `connections_pct`?'],
  ['sql', kinds.sql, 'body contains 1', 'sql results have connected, latency, value'],
  ['command', kinds.command, 'status == 0', 'command results have exit_code, stdout, latency, value'],
  ['command', kinds.command, 'json.ok == true', 'command results have'],
  ['host', kinds.host, 'disk < 90%', 'did you mean `disk_pct`?'],
  ['host', kinds.host, '[BODY] == ok', 'host results have latency, cpu_pct'],
  ['heartbeat', kinds.heartbeat, 'on_tme == true', 'did you mean `on_time`?'],
  ['heartbeat', kinds.heartbeat, '[CONNECTED] == true', 'heartbeat results have'],
].map(([kind, options, condition, hint]) => ({
  name: `${kind}: ${condition}`,
  yaml: reading(options as string, condition as string),
  at: `7:20 services.web.checks.health.expect[0]`,
  message: `${kind} checks never fill ${(condition as string).split(/[ .]/)[0]}`,
  hint,
}));

describe('a condition on a field its check kind never fills is a load error at the condition', () => {
  itReportsEach([
    ...cases,
    {
      name: 'tcp: a placeholder inside len(), pointed at where it is written',
      yaml: reading(kinds.tcp, 'len([BODY]) > 0'),
      at: '7:24 services.web.checks.health.expect[0]',
      message: 'tcp checks never fill [BODY]',
    },
  ]);

  it('points at the field inside the condition, and at a warn: condition under warn', () => {
    const yaml = check(
      `        ${kinds.docker}\n        expect: [ "state == 'running'", { warn: "memory_pc < 90%" } ]\n`,
    );
    expect(issuesOf(yaml)).toContain(
      '7:50 services.web.checks.health.expect[1].warn: docker checks never fill memory_pc',
    );
  });
});

/**
 * A smoke suite `after` beside the docker check web.health; its one step is written at line 9, column
 * 7, and its `expect:` list on line 10, the condition's text at column 18.
 */
const smokeStep = (kind: string, condition: string) =>
  `${check(`        ${kinds.docker}\n`)}smoke:\n  after:\n    - ${kind}\n      expect: [ "${condition}" ]\n`;

/** A smoke step reads its own kind's results, or those of the check it names: held to the same rule. */
const smokeCases: Case[] = [
  {
    name: 'smoke, inline tcp: status',
    yaml: smokeStep(kinds.tcp, 'status == 200'),
    at: '10:18 smoke.after[0].expect[0]',
    message: 'tcp checks never fill status, so this condition could never pass',
    hint: 'tcp results have connected, ip, latency',
  },
  {
    name: 'smoke, inline redis: a mistyped value',
    yaml: smokeStep(kinds.redisQueue, 'valeu < 3'),
    at: '10:18 smoke.after[0].expect[0]',
    message: 'redis checks never fill valeu',
    hint: 'did you mean `value`?',
  },
  {
    name: 'smoke, check: web.health (docker): restarts',
    yaml: smokeStep('check: web.health', 'restarts < 5'),
    at: '10:18 smoke.after[0].expect[0]',
    message: 'docker checks never fill restarts, so this condition could never pass',
    hint: 'did you mean `restart_count`?',
  },
  {
    name: 'smoke, check: web.health (docker): a Gatus placeholder',
    yaml: smokeStep('check: web.health', '[STATUS] == 200'),
    at: '10:18 smoke.after[0].expect[0]',
    message: 'docker checks never fill [STATUS]',
    hint: 'docker results have exit_code, latency, state, health',
  },
];

describe('a smoke step condition on a field its check never fills is a load error at the condition', () => {
  itReportsEach(smokeCases);

  it('points at a warn: condition under warn, as for a service check', () => {
    const yaml = `${check(`        ${kinds.docker}\n`)}smoke:\n  after:\n    - check: web.health\n      expect: [ "state == 'running'", { warn: "memory_pc < 90%" } ]\n`;
    expect(issuesOf(yaml)).toContain(
      '10:48 smoke.after[0].expect[1].warn: docker checks never fill memory_pc',
    );
  });

  it.each([
    [kinds.http, "json.status == 'ok'"],
    [kinds.sql, 'pending < 10'],
    ['check: web.health', "state == 'running'"],
    ['check: web.health', 'restart_count < 5'],
  ])('%s with %s validates', (kind, condition) => {
    expect(issuesOf(smokeStep(kind, condition))).toBe('');
  });
});

/** A rule over a metric the check's samples never record is null forever, so it never fires. */
const rule = (kind: string, when: string) =>
  `${check(`        ${kind}\n`)}rules:\n  watch: { when: "${when}", severity: high }\n`;
const metricCases: Case[] = [
  {
    name: 'rule: a mistyped latency',
    yaml: rule(kinds.http, 'p95(web.health.latncy, 5m) > 1s'),
    at: '8:18 rules.watch.when',
    message: 'web.health (http check) records no metric `latncy`',
    hint: 'did you mean `latency`?',
  },
  {
    name: 'rule: docker restarts',
    yaml: rule(kinds.docker, 'last(web.health.restarts) > 3'),
    at: '8:18 rules.watch.when',
    message: 'records no metric `restarts`',
    hint: 'did you mean `restart_count`?',
  },
  {
    name: 'rule: a certificate metric on tcp',
    yaml: rule(kinds.tcp, 'last(web.health.cert_expires_in_days) < 7'),
    at: '8:18 rules.watch.when',
    message: 'web.health (tcp check) records no metric `cert_expires_in_days`',
    hint: 'latency',
  },
  {
    name: 'rule: a redis INFO field not asked for',
    yaml: rule(kinds.redisQueue, 'avg(web.health.used_memory, 10m) > 1000'),
    at: '8:18 rules.watch.when',
    message: 'records no metric `used_memory`',
    hint: 'connected_clients',
  },
];

describe('a rule over a metric its check never records is a load error at the rule', () => {
  itReportsEach(metricCases);

  it.each([
    [kinds.http, 'last(web.health.cert_expires_in_days) < 7'],
    [kinds.sql, 'avg(web.health.pending, 10m) > 5'],
    [kinds.docker, 'last(web.health.restart_count) > 3 and failure_rate(web.health, 5m) > 1%'],
  ])('%s with %s validates', (options, when) => {
    expect(issuesOf(rule(options, when))).toBe('');
  });
});

/** A files backup `media` whose drill asserts one thing; the assertion is line 10, at column 13. */
const filesDrill = (assertion: string) =>
  `${v1}repositories:\n  local: { local: { path: ./b } }\nbackups:\n  media:\n    source: { files: { paths: [ ./media ] } }\n    repository: local\n    drill:\n      assert:\n        - ${assertion}\n`;

describe('a drill assertion the restored copy cannot run is a load error at the assertion', () => {
  itReportsEach([
    {
      name: 'files: sql',
      yaml: filesDrill('{ sql: "select count(*) from t", expect: "value > 0" }'),
      at: '10:13 backups.media.drill.assert[0].sql',
      message: 'a files restore cannot run `sql:`',
      hint: 'a files drill can assert exists, checksums, command',
    },
    {
      name: 'files: row_counts',
      yaml: filesDrill('{ row_counts: true }'),
      at: '10:13 backups.media.drill.assert[0].row_counts',
      message: 'a files restore cannot run `row_counts:`',
    },
    {
      name: 'sqlite: exists',
      yaml: backup('    drill: { assert: [ { exists: manage.py } ] }\n'),
      at: '8:26 backups.db.drill.assert[0].exists',
      message: 'a sqlite restore cannot run `exists:`',
      hint: 'a sqlite drill can assert sql, row_counts, command',
    },
    {
      name: 'sqlite: checksums',
      yaml: backup('    drill: { assert: [ { checksums: true } ] }\n'),
      at: '8:26 backups.db.drill.assert[0].checksums',
      message: 'a sqlite restore cannot run `checksums:`',
    },
  ]);
});

describe('conditions on what a kind fills validate', () => {
  it.each([
    [kinds.http, '[CONNECTED] == true'],
    [kinds.http, '[IP] == 127.0.0.1'],
    [kinds.http, "json.status == 'ok'"],
    [kinds.tcp, '[IP] == 127.0.0.1'],
    [kinds.tcp, 'latency < 1s'],
    [kinds.dns, '[DNS_RCODE] == NOERROR'],
    [kinds.dns, '[IP] == 127.0.0.1'],
    [kinds.sql, 'pending < 10'],
    [kinds.postgresQuery, 'pending < 10'],
    [kinds.redisQueue, 'connected_clients < 100'],
    [kinds.docker, 'exit_code == 0'],
    [kinds.docker, 'restart_count < 5'],
    [kinds.heartbeat, '[RESPONSE_TIME] < 100'],
  ])('%s with %s', (options, condition) => {
    expect(issuesOf(reading(options, condition))).toBe('');
  });
});
