import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/config/dotenv.js';
import { interpolate } from '../../src/config/interpolate.js';
import { formatIssues } from '../../src/config/issues.js';
import { loadConfig, loadConfigOrThrow } from '../../src/config/load.js';
import { jsonSchema } from '../../src/config/schema.js';
import { isSecret } from '../../src/config/secret.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const designVariables = {
  DATABASE_URL: 'postgres://app:db-password-canary@127.0.0.1:5432/app',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T0/B0/slack-canary',
  PD_ROUTING_KEY: 'pd-routing-canary',
  BACKUP_PASSPHRASE: 'passphrase-canary',
  RESTIC_PASSWORD: 'restic-canary',
  BASE_URL: 'http://127.0.0.1:8080',
};

describe('the examples', () => {
  const examples = [
    'examples/quickstart/dayshift.yaml',
    ...readdirSync('examples/runbooks').map((f) => `examples/runbooks/${f}`),
  ];

  it('has one runbook example per seed runbook', () => {
    expect(readdirSync('examples/runbooks').sort()).toEqual([
      '000.yaml',
      '001.yaml',
      '002.yaml',
      '003.yaml',
      '004.yaml',
    ]);
  });

  it.each(examples)('%s validates with no variables set', (file) => {
    const result = loadConfig(file, { env: {} });
    expect(result.ok ? [] : formatIssues(result.errors)).toEqual([]);
  });

  it('validates the full example of DESIGN section 3 with its variables set', () => {
    const result = loadConfig('test/fixtures/design-example.yaml', { env: designVariables });
    expect(result.ok ? [] : formatIssues(result.errors)).toEqual([]);
    if (!result.ok) return;
    const health = result.config.services?.backend?.checks?.health;
    expect(health?.kind).toBe('http');
    expect(health?.every).toBe(10_000);
    expect(health?.start_period).toBe(20_000);
    expect(health?.expect?.map((c) => c.source)).toEqual([
      'status == 200',
      "json.status == 'ok'",
      'latency < 1s',
    ]);
    expect(result.config.backups?.db?.keep).toEqual({ last: 3, daily: 7, weekly: 4, monthly: 6 });
    expect(result.config.incidents?.severities?.critical?.respond_within).toBe(15 * 60_000);
  });
});

describe('secrets', () => {
  it('never print a secret value from the loaded config', () => {
    const result = loadConfigOrThrow('test/fixtures/design-example.yaml', { env: designVariables });
    const config = result.config;
    const ops = config.notifiers?.ops?.options as { webhook_url: unknown };
    expect(isSecret(ops.webhook_url)).toBe(true);
    const printed = [
      JSON.stringify(config),
      inspect(config, { depth: 20 }),
      String(ops.webhook_url),
      `${ops.webhook_url}`,
    ].join('\n');
    for (const canary of Object.values(designVariables).filter((v) => v.includes('canary'))) {
      expect(printed).not.toContain(canary);
      expect(printed).not.toContain('db-password-canary');
    }
    expect(printed).toContain('[redacted]');
    expect((ops.webhook_url as { reveal(): string }).reveal()).toBe(designVariables.SLACK_WEBHOOK_URL);
  });

  it('never put a secret value in an error message', () => {
    const file = path.join(dir, 'secret-error.yaml');
    writeFileSync(file, 'version: 1\nstore:\n  url: "mysql://app:hunter2-canary@db/app"\n');
    const result = loadConfig(file, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatIssues(result.errors)).not.toContain('hunter2-canary');
  });

  it('freezes the config so nothing inside can change it', () => {
    const result = loadConfigOrThrow('examples/quickstart/dayshift.yaml', { env: {} });
    expect(Object.isFrozen(result.config)).toBe(true);
    expect(Object.isFrozen(result.config.services?.machine?.checks?.resources)).toBe(true);
  });
});

describe('variables', () => {
  const env: Record<string, string | undefined> = { SET: 'value', EMPTY: '' };
  const lookup = (name: string) => env[name];
  it.each([
    ['${SET}', 'value'],
    ['$SET', 'value'],
    ['${SET:-d}', 'value'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${UNSET:-${SET}}', 'value'],
    ['${UNSET:-${ALSO_UNSET:-deep}}', 'deep'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['$$SET', '$SET'],
    ['cost: $$5', 'cost: $5'],
    ['a-${SET}-b', 'a-value-b'],
    ['${UNSET}', ''],
  ])('%s → %j', (text, expected) => {
    expect(interpolate(text, lookup).value).toBe(expected);
  });

  it('reports unset variables used without a default, and required ones as errors', () => {
    expect(interpolate('${UNSET}', lookup).unset).toEqual(['UNSET']);
    expect(interpolate('${UNSET:?needed for the store}', lookup).errors[0]?.message).toBe(
      'required variable UNSET is not set: needed for the store',
    );
    expect(interpolate('${EMPTY?x}', lookup).errors).toEqual([]);
    expect(interpolate('${EMPTY:?x}', lookup).errors[0]?.message).toContain('is empty');
  });

  it('reads .env beside the file, with the process environment winning', () => {
    const sub = mkdtempSync(path.join(dir, 'env-'));
    writeFileSync(
      path.join(sub, '.env'),
      '# comment\nexport STACK_NAME="from-dotenv"\nPORT=9090 # trailing\nOTHER=\'lit $x\'\n',
    );
    writeFileSync(path.join(sub, 'dayshift.yaml'), 'version: 1\nstack: "${STACK_NAME}-${PORT}"\n');
    const fromFile = loadConfigOrThrow(path.join(sub, 'dayshift.yaml'), { env: {} });
    expect(fromFile.config.stack).toBe('from-dotenv-9090');
    const fromEnv = loadConfigOrThrow(path.join(sub, 'dayshift.yaml'), { env: { STACK_NAME: 'from-env' } });
    expect(fromEnv.config.stack).toBe('from-env-9090');
  });

  it('parses .env files the way Compose does', () => {
    expect(parseDotenv('A=1\nexport B=two\nC="x\\ny"\nD=\'$raw\'\nE=v # c\n# F=no\nG=\n')).toEqual({
      A: '1',
      B: 'two',
      C: 'x\ny',
      D: '$raw',
      E: 'v',
      G: '',
    });
  });

  it('warns about an unset variable, with its position', () => {
    const file = path.join(dir, 'warn.yaml');
    writeFileSync(file, 'version: 1\nstack: "app-${NOT_SET_ANYWHERE}"\n');
    const result = loadConfig(file, { env: {} });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      expect.objectContaining({ line: 2, col: 8, message: expect.stringContaining('NOT_SET_ANYWHERE') }),
    ]);
  });
});

describe('JSON Schema', () => {
  it('is generated from the same definitions, with every section and plugin kind', () => {
    const schema = jsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'version',
        'services',
        'rules',
        'notifiers',
        'maintenance',
        'backups',
        'repositories',
        'smoke',
        'env',
        'runbooks',
        'deploys',
        'incidents',
        'status_page',
      ]),
    );
    const text = JSON.stringify(schema);
    for (const kind of [
      '"heartbeat"',
      '"pagerduty"',
      '"restic"',
      '"systemd"',
      '"approve"',
      '"x-secret":true',
    ])
      expect(text).toContain(kind);
  });

  it('is printed by `dayshift schema`', () => {
    const result = spawnSync(process.execPath, ['dist/cli/main.js', 'schema'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).properties.services).toBeDefined();
  });
});

describe('dayshift validate', () => {
  it('prints every error and exits 2 for an invalid file', () => {
    const file = path.join(dir, 'invalid.yaml');
    writeFileSync(
      file,
      'version: 1\nservices:\n  web:\n    checks:\n      health:\n        http: { url: "http://127.0.0.1/" }\n        evry: 10s\n        retries: -2\n',
    );
    const result = spawnSync(process.execPath, ['dist/cli/main.js', '--config', file, 'validate'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('invalid.yaml:7:9 services.web.checks.health.evry: unknown key `evry`');
    expect(result.stderr).toContain('hint: did you mean `every`?');
    expect(result.stderr).toContain(
      'invalid.yaml:8:18 services.web.checks.health.retries: expected a number >= 1',
    );
    expect(result.stderr).toContain('2 error(s)');
  });

  it('exits 0 and summarises a valid file', () => {
    const result = spawnSync(
      process.execPath,
      ['dist/cli/main.js', '--config', 'examples/quickstart/dayshift.yaml', 'validate'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ok: .*quickstart.*\(3 services, 3 checks/);
  });

  it('says how to start when there is no stack file', () => {
    const result = spawnSync(
      process.execPath,
      ['dist/cli/main.js', '--config', path.join(dir, 'nope.yaml'), 'validate'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no stack file at');
    expect(result.stderr).toContain('hint:');
  });
});
