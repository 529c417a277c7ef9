import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/config/issues.js';
import { loadConfig, loadConfigOrThrow, resolveConfigPath } from '../../src/config/load.js';
import { DayshiftError } from '../../src/errors.js';
import { isSecret } from '../../src/schema/secret.js';
import { exampleEnv, exampleSecrets } from '../helpers/examples.js';
import { designVariables, scratch } from './fixtures.js';

const tmp = scratch('load');
afterAll(tmp.cleanup);

describe('the examples', () => {
  const runbooks = readdirSync('examples/runbooks').sort();

  it('has one stack file per seed runbook, in file-name order', () => {
    expect(runbooks).toEqual(['000.yaml', '001.yaml', '002.yaml', '003.yaml', '004.yaml']);
  });

  it.each(['examples/quickstart/dayshift.yaml', ...runbooks.map((f) => `examples/runbooks/${f}`)])(
    '%s validates with only its secrets set, and names each one missing',
    (file) => {
      const names = exampleSecrets[file] ?? [];
      const result = loadConfig(file, { env: exampleEnv(file) });
      expect(result.ok ? '' : formatIssues(result.errors)).toBe('');
      expect(readFileSync(file, 'utf8')).not.toMatch(/(PASSPHRASE|PASSWORD):-[^}]/);
      if (names.length === 0) return;
      const without = loadConfig(file, { env: {} });
      const text = without.ok ? '' : formatIssues(without.errors);
      for (const name of names) expect(text).toContain(`set ${name} to`);
    },
  );

  it('the quickstart needs nothing but the embedded store', () => {
    const { config } = loadConfigOrThrow('examples/quickstart/dayshift.yaml', { env: {} });
    expect(config.store).toEqual({
      sqlite: { path: path.resolve('examples/quickstart/.dayshift/state.db') },
    });
    const kinds = Object.values(config.services).flatMap((s) => Object.values(s.checks).map((c) => c.kind));
    expect(kinds.sort()).toEqual(['heartbeat', 'host', 'http', 'sql']);
  });
});

describe('the DESIGN example', () => {
  const load = () => loadConfigOrThrow('test/fixtures/design-example.yaml', { env: designVariables });

  it('validates with its variables set, and fails without them', () => {
    expect(load().ok).toBe(true);
    const without = loadConfig('test/fixtures/design-example.yaml', { env: {} });
    expect(without.ok).toBe(false);
  });

  it('parses durations to milliseconds and applies Docker-style check defaults', () => {
    const { config } = load();
    const health = config.services.backend?.checks.health;
    expect(health).toMatchObject({
      kind: 'http',
      every: 10_000,
      timeout: 3_000,
      retries: 6,
      start_period: 20_000,
      recover: 1,
    });
    expect(health?.expect.map((c) => c.source)).toEqual([
      'status == 200',
      "json.status == 'ok'",
      'latency < 1s',
    ]);
    expect(config.services.backend?.checks.docs).toMatchObject({
      every: 30_000,
      timeout: 10_000,
      retries: 3,
      expect: [],
    });
    expect(config.services['email-queue']?.checks.cron).toMatchObject({
      kind: 'heartbeat',
      options: { period: 60_000, grace: 120_000 },
    });
    expect(config.backups.db?.drill?.rto).toBe(30 * 60_000);
    expect(config.incidents?.severities?.critical?.respond_within).toBe(15 * 60_000);
    expect(config.maintenance[0]).toMatchObject({
      name: 'weekly-vacuum',
      schedule: '0 2 * * 0',
      duration: 3_600_000,
    });
  });

  it('substitutes variables with defaults, and gives each service its driver', () => {
    const { config } = load();
    expect(config.services.backend?.checks.health?.options).toMatchObject({
      url: 'http://localhost:8080/health',
    });
    expect(config.services.backend?.driver).toEqual({
      kind: 'compose',
      options: { project_dir: '.', files: ['docker-compose.yml'] },
    });
    expect(config.services.db?.driver).toEqual({ kind: 'none', options: {} });
    expect(config.deploys.backend?.before.map((g) => g.kind)).toEqual(['env', 'backup']);
    expect(config.runbooks['worker-stuck']?.steps.map((s) => s.kind)).toEqual([
      'check',
      'logs',
      'restart',
      'wait',
    ]);
  });

  it('wraps secrets, and keeps the env contract’s `secret: true` a flag', () => {
    const { config } = load();
    const ops = config.notifiers.ops;
    expect(ops?.kind).toBe('slack');
    if (ops?.kind !== 'slack') return;
    expect(isSecret(ops.options.webhook_url)).toBe(true);
    expect(ops.options.webhook_url.reveal()).toBe(designVariables.SLACK_WEBHOOK_URL);
    expect(config.env?.vars.DJANGO_SECRET_KEY).toMatchObject({
      secret: true,
      min_length: 50,
      required: true,
    });
  });

  it('is frozen all the way down', () => {
    const { config } = load();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.services.backend?.checks.health?.expect[0]?.expr)).toBe(true);
    expect(() => {
      (config.services as Record<string, unknown>).extra = {};
    }).toThrow(TypeError);
  });
});

describe('store and server', () => {
  it('defaults to SQLite beside the file and 127.0.0.1:7070 with public metrics', () => {
    const file = tmp.write('defaults.yaml', 'version: 1\n');
    const { config, dir } = loadConfigOrThrow(file, { env: {} });
    expect(dir).toBe(tmp.dir);
    expect(config.store).toEqual({ sqlite: { path: path.join(tmp.dir, '.dayshift', 'state.db') } });
    expect(config.server).toEqual({ listen: '127.0.0.1:7070', metrics: { public: true } });
  });

  it('resolves a relative SQLite path from the file’s directory', () => {
    const file = tmp.write('sqlite.yaml', 'version: 1\nstore: { sqlite: { path: state/dayshift.db } }\n');
    expect(loadConfigOrThrow(file, { env: {} }).config.store).toEqual({
      sqlite: { path: path.join(tmp.dir, 'state', 'dayshift.db') },
    });
  });

  it('takes a PostgreSQL URL as a secret, and DAYSHIFT_DATABASE_URL over the file', () => {
    const file = tmp.write(
      'pg.yaml',
      'version: 1\nstore: { url: "postgres://dayshift:pw-in-file@db/dayshift" }\n',
    );
    const fromFile = loadConfigOrThrow(file, { env: {} }).config.store;
    expect('url' in fromFile && fromFile.url.reveal()).toBe('postgres://dayshift:pw-in-file@db/dayshift');
    const overridden = loadConfigOrThrow(file, {
      env: { DAYSHIFT_DATABASE_URL: 'postgresql://shared/dayshift' },
    }).config.store;
    expect('url' in overridden && overridden.url.reveal()).toBe('postgresql://shared/dayshift');
    const sqliteFile = tmp.write('sqlite-env.yaml', 'version: 1\n');
    const fromEnv = loadConfigOrThrow(sqliteFile, { env: { DAYSHIFT_DATABASE_URL: 'postgres://shared/x' } })
      .config.store;
    expect('url' in fromEnv).toBe(true);
  });

  it('takes listen and metrics settings', () => {
    const file = tmp.write(
      'server.yaml',
      'version: 1\nserver: { listen: "[::1]:8080", metrics: { public: false } }\n',
    );
    expect(loadConfigOrThrow(file, { env: {} }).config.server).toEqual({
      listen: '[::1]:8080',
      metrics: { public: false },
    });
  });
});

describe('YAML conveniences', () => {
  it('retypes an unquoted value after substitution, as if its value had been written', () => {
    const file = tmp.write(
      'retype.yaml',
      // Braces are flow syntax in YAML, so an unquoted ${...} stands in block style.
      'version: 1\nservices:\n  db:\n    checks:\n      port:\n        tcp:\n          host: localhost\n          port: ${PG_PORT:-5432}\n',
    );
    const tcp = loadConfigOrThrow(file, { env: {} }).config.services.db?.checks.port;
    expect(tcp?.options).toEqual({ host: 'localhost', port: 5432 });
    // Quoted, it stays text, and text is not a port.
    const quoted = tmp.write(
      'quoted.yaml',
      'version: 1\nservices:\n  db:\n    checks:\n      port:\n        tcp: { host: localhost, port: "${PG_PORT:-5432}" }\n',
    );
    const result = loadConfig(quoted, { env: {} });
    expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual([
      'expected a port number, got "5432"',
    ]);
  });

  it('accepts x- keys for anchors, and merge keys', () => {
    const file = tmp.write(
      'anchors.yaml',
      [
        'version: 1',
        'x-probe: &probe { every: 15s, timeout: 2s, retries: 2 }',
        'services:',
        '  web:',
        '    checks:',
        '      health: { http: { url: "http://127.0.0.1/health" }, <<: *probe }',
        '',
      ].join('\n'),
    );
    const health = loadConfigOrThrow(file, { env: {} }).config.services.web?.checks.health;
    expect(health).toMatchObject({ every: 15_000, timeout: 2_000, retries: 2 });
  });

  it('warns about each unset variable at its value, and keeps going', () => {
    const file = tmp.write('warn.yaml', 'version: 1\nstack: "shop${SUFFIX}"\n');
    const result = loadConfig(file, { env: {} });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      expect.objectContaining({
        line: 2,
        col: 8,
        path: 'stack',
        message: 'variable SUFFIX is not set; using an empty string',
      }),
    ]);
  });
});

describe('finding the stack file', () => {
  it('takes --config, then $DAYSHIFT_CONFIG, then ./dayshift.yaml', () => {
    const a = tmp.write('a.yaml', 'version: 1\n');
    const b = tmp.write('b.yaml', 'version: 1\n');
    expect(resolveConfigPath(a, { DAYSHIFT_CONFIG: b })).toBe(a);
    expect(resolveConfigPath(undefined, { DAYSHIFT_CONFIG: b })).toBe(b);
    const cwd = process.cwd();
    try {
      process.chdir(tmp.dir);
      tmp.write('dayshift.yaml', 'version: 1\n');
      expect(resolveConfigPath(undefined, {})).toBe(path.join(tmp.dir, 'dayshift.yaml'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('says how to get a file when there is none', () => {
    let error: unknown;
    try {
      resolveConfigPath(path.join(tmp.dir, 'missing.yaml'), {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DayshiftError);
    expect(error).toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    expect((error as DayshiftError).hint).toMatch(/--config.*DAYSHIFT_CONFIG/);
  });

  it('says a directory is not a stack file (exit 2, not a stack trace), and ignores a .env it cannot read', () => {
    const dir = path.join(tmp.dir, 'stack-dir');
    mkdirSync(path.join(dir, '.env'), { recursive: true });
    expect(() => loadConfig(dir, { env: {} })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_NOT_FOUND',
        message: expect.stringContaining('is a directory, not a stack file'),
        hint: expect.stringContaining(
          `--config ${path.join(path.relative(process.cwd(), dir), 'dayshift.yaml')}`,
        ),
      }),
    );
    const file = tmp.write('stack-dir/dayshift.yaml', 'version: 1\n');
    const result = loadConfig(file, { env: {} });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      expect.objectContaining({ line: 1, col: 1, message: 'cannot be read (EISDIR); ignored' }),
    ]);
  });

  it('throws CONFIG_INVALID with every error in the message', () => {
    const file = tmp.write('invalid.yaml', 'version: 2\nservcies: {}\n');
    expect(() => loadConfigOrThrow(file, { env: {} })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(
          /2 errors.*\n.*invalid\.yaml:1:10 version: .*\n.*invalid\.yaml:2:1 servcies: unknown section/s,
        ),
      }),
    );
  });
});
