import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, canaries, designVariables, scratch } from './fixtures.js';

const tmp = scratch('cli');
afterAll(tmp.cleanup);

beforeAll(() => {
  expect(existsSync(CLI)).toBe(true);
}, 120_000);

function dayshift(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('dayshift validate', () => {
  const broken = tmp.write(
    'broken.yaml',
    [
      'version: 1',
      'services:',
      '  web:',
      '    checks:',
      '      health:',
      '        htp: { url: "http://127.0.0.1/health" }',
      '        every: 10 seconds',
      '        notify: [ ops ]',
      'status_page: { title: Shop, components: [ wbe ] }',
      'backups:',
      '  db: { source: { sqlite: { path: a.db } }, repository: r, schedule: "0 3 * *" }',
      '',
    ].join('\n'),
  );

  it('prints every error at once with file:line:col and exits 2', () => {
    const { code, stdout } = dayshift(['validate', '--config', broken]);
    expect(code).toBe(2);
    const lines = stdout.split('\n').filter((l) => /^broken\.yaml:\d+:\d+ /.test(l));
    expect(lines).toEqual([
      'broken.yaml:6:9 services.web.checks.health.htp: unknown check kind `htp`',
      'broken.yaml:7:16 services.web.checks.health.every: expected a duration like 10s, 5m or 250ms, got "10 seconds"',
      'broken.yaml:8:19 services.web.checks.health.notify[0]: unknown notifier `ops`: the file defines no notifiers',
      'broken.yaml:9:43 status_page.components[0]: unknown service `wbe`',
      'broken.yaml:11:57 backups.db.repository: unknown repository `r`: the file defines no repositories',
      'broken.yaml:11:70 backups.db.schedule: expected a cron expression of 5 or 6 fields (minute hour day month weekday), got "0 3 * *"',
    ]);
    expect(stdout).toContain('  hint: did you mean `http`?');
    expect(stdout).toContain('  hint: did you mean `web`?');
    expect(stdout.trimEnd().endsWith('6 errors in broken.yaml')).toBe(true);
  });

  it('gives the errors as JSON with --json', () => {
    const { code, stdout } = dayshift(['--json', 'validate', '--config', broken]);
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      errors: Array<{ line: number; col: number; path: string }>;
    };
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => `${e.line}:${e.col} ${e.path}`)).toEqual([
      '6:9 services.web.checks.health.htp',
      '7:16 services.web.checks.health.every',
      '8:19 services.web.checks.health.notify[0]',
      '9:43 status_page.components[0]',
      '11:57 backups.db.repository',
      '11:70 backups.db.schedule',
    ]);
  });

  it('summarises a valid file, with warnings on stderr', () => {
    const file = tmp.write(
      'ok.yaml',
      'version: 1\nstack: "shop${SUFFIX}"\nservices:\n  web: { checks: { up: { tcp: { host: localhost, port: 80 } } } }\n',
    );
    const { code, stdout, stderr } = dayshift(['validate'], { DAYSHIFT_CONFIG: file });
    expect(code).toBe(0);
    expect(stdout).toBe(
      'ok: ok.yaml (1 service, 1 check, 0 rules, 0 notifiers, 0 backups, 0 smoke suites, 0 runbooks, 0 deploys)\n',
    );
    expect(stderr).toBe('warning: ok.yaml:2:8 stack: variable SUFFIX is not set; using an empty string\n');
  });

  it('validates the DESIGN example without printing its secrets', () => {
    const design = path.resolve('test/fixtures/design-example.yaml');
    const ok = dayshift(['--json', '--config', design, 'validate'], designVariables);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, services: 4, checks: 6, backups: 2 });
    const failing = dayshift(['--config', design, 'validate'], {
      ...designVariables,
      BASE_URL: 'canary-not-a-url',
    });
    expect(failing.code).toBe(2);
    for (const canary of canaries) expect(failing.stdout + failing.stderr).not.toContain(canary);
  });

  it('says how to start when there is no stack file', () => {
    const { code, stderr } = dayshift(['validate']);
    expect(code).toBe(2);
    expect(stderr).toContain('no stack file at dayshift.yaml');
    expect(stderr).toMatch(/hint: write one with `dayshift init`.*--config.*DAYSHIFT_CONFIG/);
  });
});

describe('dayshift schema', () => {
  it('prints the JSON Schema, with the plugin kinds in it', () => {
    const { code, stdout } = dayshift(['schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('dayshift.yaml');
    for (const kind of ['"heartbeat"', '"pagerduty"', '"restic"', '"systemd"', '"rollback"', '"row_counts"'])
      expect(stdout).toContain(kind);
  });
});
