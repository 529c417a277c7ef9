import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { backup, type Case, check, http, itReportsEach, runbook, v1 } from './broken-case.js';
import { scratch } from './fixtures.js';

/**
 * Values that loaded before and then misbehaved at run time: a check every 0s ran once in 20 s, one
 * every 99999999999999999999d never ran, a malformed Gatus condition was a silent false. Each is a
 * load error now, saying what to write instead.
 */
const cases: Case[] = [
  {
    name: 'a check every 0s',
    yaml: check(`${http}        every: 0s\n`),
    at: '7:16 services.web.checks.health.every',
    message: 'expected at least 100ms between runs, like 30s, got "0s"',
  },
  {
    name: 'a check every 99999999999999999999d',
    yaml: check(`${http}        every: 99999999999999999999d\n`),
    at: '7:16 services.web.checks.health.every',
    message: 'expected at most 24d, the longest Dayshift can wait for',
  },
  {
    name: 'a duration with more digits than a number holds',
    yaml: check(`${http}        every: ${'9'.repeat(400)}s\n`),
    at: '7:16 services.web.checks.health.every',
    message: 'expected at most 24d',
  },
  {
    name: 'a check timeout of 0s',
    yaml: check(`${http}        timeout: 0s\n`),
    at: '7:18 services.web.checks.health.timeout',
    message: 'expected a timeout longer than 0s, like 10s, got "0s"',
  },
  {
    name: 'a start period too long to wait for',
    yaml: check(`${http}        start_period: 30d\n`),
    at: '7:23 services.web.checks.health.start_period',
    message: 'expected at most 24d',
  },
  {
    name: 'rules evaluated every 0s',
    yaml: `${v1}alerting: { evaluate_every: 0s }\n`,
    at: '2:29 alerting.evaluate_every',
    message: 'expected at least 100ms between runs',
  },
  {
    name: 'an alert reminder too long to wait for',
    yaml: `${v1}alerting: { repeat: 25d }\n`,
    at: '2:21 alerting.repeat',
    message: 'expected at most 24d',
  },
  {
    name: 'a hook timeout of 0s',
    yaml: backup('    hook_timeout: 0s\n'),
    at: '8:19 backups.db.hook_timeout',
    message: 'expected a timeout longer than 0s',
  },
  {
    name: 'an RPO of 0s',
    yaml: backup('    rpo: 0s\n'),
    at: '8:10 backups.db.rpo',
    message: 'expected a duration longer than 0s',
  },
  {
    name: 'an RPO past ten years',
    yaml: backup('    rpo: 4000d\n'),
    at: '8:10 backups.db.rpo',
    message: 'expected at most 3650d',
  },
  {
    name: 'a history longer than ten years',
    yaml: `${v1}history: { day: 5000d }\n`,
    at: '2:17 history.day',
    message: 'expected at most 3650d',
  },
  {
    name: 'a step timeout of 0s',
    yaml: runbook('{ restart: web, timeout: 0s }'),
    at: '10:34 runbooks.fix.steps[0].timeout',
    message: 'expected a timeout longer than 0s',
  },
  {
    name: 'a wait step whose timeout is 0s',
    yaml: runbook('{ wait: { healthy: web, timeout: 0s } }'),
    at: '10:42 runbooks.fix.steps[0].wait.timeout',
    message: 'expected a timeout longer than 0s',
  },
  {
    name: 'a heartbeat period of 0s',
    yaml: check('        heartbeat: { period: 0s }\n'),
    at: '6:30 services.web.checks.health.heartbeat.period',
    message: 'expected a duration longer than 0s',
  },
  {
    name: 'a maintenance window of 0s',
    yaml: `${check(http)}maintenance:\n  - { name: w, at: "2026-03-01T02:00", duration: 0s }\n`,
    at: '8:50 maintenance[0].duration',
    message: 'expected a duration longer than 0s',
  },
  {
    name: 'a deploy that must be healthy within 0s',
    yaml: `${check(http)}deploys:\n  web: { verify: { healthy_within: 0s } }\n`,
    at: '8:36 deploys.web.verify.healthy_within',
    message: 'expected a timeout longer than 0s',
  },
  {
    name: 'an unclosed any( in a Gatus condition',
    yaml: check(`${http}        expect: [ "[STATUS] == any(" ]\n`),
    at: '7:32 services.web.checks.health.expect[0]',
    message: 'bad condition: any( has no closing )',
  },
  {
    name: 'an unclosed len( in a Gatus condition',
    yaml: check(`${http}        expect: [ "len( == 3" ]\n`),
    at: '7:20 services.web.checks.health.expect[0]',
    message: 'bad condition: len( has no closing )',
  },
  {
    name: 'an unclosed pat( in a Gatus condition',
    yaml: check(`${http}        expect: [ "[BODY] == pat(" ]\n`),
    at: '7:30 services.web.checks.health.expect[0]',
    message: 'bad condition: pat( has no closing )',
  },
  {
    name: 'a pat() that Go cannot read, which would never match',
    yaml: check(`${http}        expect: [ "[BODY] != pat(*[fatal*)" ]\n`),
    at: '7:35 services.web.checks.health.expect[0]',
    message: 'bad condition: pat(*[fatal*): the class [ has no closing ]',
    hint: 'write \\- for a literal -',
  },
  {
    name: 'a misspelt placeholder, which Gatus would compare as text',
    yaml: check(`${http}        expect: [ "[STAUTS] == 200" ]\n`),
    at: '7:20 services.web.checks.health.expect[0]',
    message: 'bad condition: unknown placeholder [STAUTS]',
    hint: 'did you mean `[STATUS]`?',
  },
  {
    name: 'an unknown function in a Gatus condition',
    yaml: check(`${http}        expect: [ "size([BODY].items) == 3" ]\n`),
    at: '7:20 services.web.checks.health.expect[0]',
    message: 'bad condition: unknown function size()',
    hint: 'len(), has(), pat(), any()',
  },
];

describe('values that cannot run are refused at load', () => {
  itReportsEach(cases);

  it('keeps what a real file schedules: 100ms to 24d between runs, spans up to ten years', () => {
    const tmp = scratch('bounds-ok');
    try {
      const file = tmp.write(
        'ok.yaml',
        [
          'version: 1',
          'alerting: { evaluate_every: 100ms, repeat: 0s, group_interval: 0s }',
          'history: { day: 3650d }',
          'services:',
          '  web:',
          '    checks:',
          '      fast: { tcp: { host: 127.0.0.1, port: 80 }, every: 100ms, timeout: 1ms }',
          '      slow: { tcp: { host: 127.0.0.1, port: 80 }, every: 24d, start_period: 0s }',
          '      monthly: { heartbeat: { period: 31d, grace: 1d } }',
          'repositories:',
          '  local: { local: { path: ./b } }',
          'backups:',
          '  db: { source: { sqlite: { path: db.sqlite3 } }, repository: local, rpo: 32d }',
          '',
        ].join('\n'),
      );
      const result = loadConfig(file, { env: {} });
      expect(result.ok ? [] : result.errors).toEqual([]);
      if (!result.ok) return;
      expect(result.config.services.web?.checks.slow?.every).toBe(24 * 86_400_000);
      expect(result.config.backups.db?.rpo).toBe(32 * 86_400_000);
    } finally {
      tmp.cleanup();
    }
  });
});
