import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { checkEnv } from '../../src/env-contract/check-env.js';
import { judgeVariable, type VariableRules } from '../../src/env-contract/rules.js';
import { entropyBits, looksLikePlaceholder } from '../../src/env-contract/secret-strength.js';

const CLI = path.resolve('dist/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rules = (r: Partial<VariableRules>): VariableRules =>
  ({ required: true, secret: false, ...r }) as VariableRules;
const failing = (name: string, r: Partial<VariableRules>, value: string | undefined) =>
  judgeVariable(name, rules(r), value)
    .filter((x) => !x.ok)
    .map((x) => [x.rule, x.reason]);

describe('each rule of the environment contract', () => {
  it.each([
    ['required and missing', { required: true }, undefined, [['required', 'not set']]],
    ['required and empty', { required: true }, '', [['required', 'set but empty']]],
    ['optional and missing', { required: false }, undefined, []],
    ['equals', { equals: 'false' }, 'true', [['equals', 'expected "false", got "true"']]],
    ['equals holds', { equals: 'false' }, 'false', []],
    ['one_of', { one_of: ['a', 'b'] }, 'c', [['one_of', 'expected one of "a", "b", got "c"']]],
    ['pattern', { pattern: '^https://' }, 'http://x', [['pattern', '"http://x" does not match /^https:///']]],
    ['min', { min: 31536000 }, '3600', [['min', 'expected at least 31536000, got 3600']]],
    ['max', { max: 20 }, '50', [['max', 'expected at most 20, got 50']]],
    ['a number', { min: 1 }, 'ten', [['number', 'expected a number, got "ten"']]],
    ['url', { url: true }, 'not a url', [['url', 'expected a URL, got "not a url"']]],
    [
      'https',
      { url: true, https: true },
      'http://shop.example',
      [['https', 'expected an https:// URL, got http://']],
    ],
    ['https holds', { url: true, https: true }, 'https://shop.example', []],
  ] as Array<[string, Partial<VariableRules>, string | undefined, Array<[string, string]>]>)(
    '%s',
    (_name, r, value, expected) => {
      expect(failing('VAR', r, value)).toEqual(expected);
    },
  );

  it('judges a secret by length, placeholder and entropy without ever quoting it', () => {
    const secret = { secret: true, min_length: 50 };
    expect(failing('KEY', secret, 'changeme')).toEqual([
      ['min_length', 'too short: 8 of 50 characters'],
      ['not_placeholder', 'looks like a placeholder or a development value'],
      ['entropy', 'too predictable: about 22 bits of entropy, 64 wanted'],
    ]);
    const insecure = `django-insecure-${'a1b2c3d4e5'.repeat(5)}`;
    expect(failing('KEY', secret, insecure).map(([rule]) => rule)).toEqual(['not_placeholder']);
    expect(failing('KEY', secret, 'x'.repeat(60)).map(([rule]) => rule)).toEqual([
      'not_placeholder',
      'entropy',
    ]);
    expect(failing('KEY', secret, randomBytes(48).toString('base64url'))).toEqual([]);
    expect(failing('KEY', { secret: true, equals: 'expected' }, 'hunter2-value')).toEqual([
      ['equals', 'expected "expected", got the value'],
      ['entropy', expect.stringMatching(/^too predictable/)],
    ]);
    expect(looksLikePlaceholder('your-secret-key-here')).toBe(true);
    expect(entropyBits('abcd')).toBe(8);
  });
});

describe("runbook 003's security baseline", () => {
  const good = {
    DJANGO_SECRET_KEY: randomBytes(48).toString('base64url'),
    DJANGO_DEBUG: 'false',
    DJANGO_ALLOWED_HOSTS: 'wms.example.org,www.wms.example.org',
    SITE_BASE_URL: 'https://wms.example.org',
    ENABLE_BASIC_AUTH: 'false',
    SECURE_SSL_REDIRECT: 'true',
    SESSION_COOKIE_SECURE: 'true',
    CSRF_COOKIE_SECURE: 'true',
    CSRF_TRUSTED_ORIGINS: 'https://wms.example.org',
    SECURE_HSTS_SECONDS: '31536000',
    SECURE_HSTS_INCLUDE_SUBDOMAINS: 'true',
    SECURE_HSTS_PRELOAD: 'true',
    DEFAULT_FROM_EMAIL: 'wms@example.org',
    INTEGRATION_API_KEY: randomBytes(32).toString('hex'),
  };
  const { config } = loadConfigOrThrow('examples/runbooks/003.yaml', {
    env: { APP_DIR: dir, BACKUP_PASSPHRASE: 'set-by-the-test' },
  });

  it('holds for a production .env', () => {
    writeFileSync(
      path.join(dir, '.env'),
      Object.entries(good)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const report = checkEnv(config, { kind: 'file', path: path.join(dir, '.env') });
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('fails on DEBUG on, insecure cookies, a short HSTS and a development key', () => {
    const bad = {
      ...good,
      DJANGO_DEBUG: 'true',
      SESSION_COOKIE_SECURE: 'false',
      SECURE_HSTS_SECONDS: '3600',
      DJANGO_SECRET_KEY: 'django-insecure-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ',
    };
    const report = checkEnv(config, { kind: 'process' }, bad);
    expect(report.ok).toBe(false);
    expect(report.results.filter((r) => !r.ok).map((r) => `${r.variable}:${r.rule}`)).toEqual([
      'DJANGO_SECRET_KEY:not_placeholder',
      'DJANGO_DEBUG:equals',
      'SESSION_COOKIE_SECURE:equals',
      'SECURE_HSTS_SECONDS:min',
    ]);
  });
});

describe('dayshift env check never shows a secret', () => {
  const canary = `canary-${randomBytes(24).toString('hex')}`;
  const weakCanary = `changeme-${randomBytes(3).toString('hex')}`;
  beforeAll(() => {
    expect(existsSync(CLI)).toBe(true);
    writeFileSync(
      path.join(dir, 'dayshift.yaml'),
      `version: 1
env:
  file: app.env
  vars:
    SECRET_KEY: { secret: true, min_length: 40 }
    API_TOKEN: { secret: true, equals: "tok-8Fh2kQ9xLm3Zp7Rw" }
    DEBUG: { equals: "false" }
`,
    );
  }, 120_000);

  const run = (...args: string[]) => {
    const result = spawnSync(
      process.execPath,
      [CLI, '--config', path.join(dir, 'dayshift.yaml'), 'env', 'check', ...args],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', SECRET_KEY: canary, API_TOKEN: weakCanary, DEBUG: 'false' },
      },
    );
    return { code: result.status, out: result.stdout + result.stderr };
  };

  it('passes or fails the contract with no secret value in text or JSON output', () => {
    writeFileSync(path.join(dir, 'app.env'), `SECRET_KEY=${canary}\nAPI_TOKEN=${weakCanary}\nDEBUG=true\n`);
    const text = run();
    expect(text.code).toBe(1);
    expect(text.out).toContain(`checking 3 variables from ${path.join(dir, 'app.env')}`);
    expect(text.out).toMatch(
      /^API_TOKEN \(secret\)\s+equals\s+FAIL\s+expected "tok-8Fh2kQ9xLm3Zp7Rw", got the value$/m,
    );
    expect(text.out).toMatch(/^DEBUG\s+equals\s+FAIL\s+expected "false", got "true"$/m);
    const json = run('--json');
    expect(JSON.parse(json.out).ok).toBe(false);
    const fromProcess = run('--process');
    expect(fromProcess.out).toContain('from the environment of this process');
    for (const output of [text.out, json.out, fromProcess.out]) {
      expect(output).not.toContain(canary);
      expect(output).not.toContain(weakCanary);
    }
    const validate = spawnSync(
      process.execPath,
      [CLI, '--config', path.join(dir, 'dayshift.yaml'), 'validate'],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', SECRET_KEY: canary },
      },
    );
    expect(validate.stdout + validate.stderr).not.toContain(canary);
  });

  it('exits 0 when the contract holds, and 2 for a .env file that does not exist', () => {
    writeFileSync(
      path.join(dir, 'app.env'),
      `SECRET_KEY=${canary}\nAPI_TOKEN=tok-8Fh2kQ9xLm3Zp7Rw\nDEBUG=false\n`,
    );
    const holds = run();
    expect(holds.out).toContain('the contract holds');
    expect(holds.out).not.toContain(canary);
    expect(holds.code, holds.out).toBe(0);
    const missing = run('--file', path.join(dir, 'nope.env'));
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('no .env file at');
  });
});
