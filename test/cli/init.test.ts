import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI, scratch } from '../config/fixtures.js';

const tmp = scratch('init');
afterAll(tmp.cleanup);
/** Three services as a Compose project writes them: an http healthcheck, a database, a port only. */
const COMPOSE = `services:
  web:
    image: example/web
    ports: ["127.0.0.1:8080:80"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/health"]
      interval: 10s
      timeout: 3s
      retries: 6
      start_period: 20s
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: \${DB_PASSWORD:-change-me}
    ports:
      - "\${DB_PORT:-5433}:5432"
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app -d app"]
      interval: 5s
  cache:
    image: redis:7
    ports:
      - target: 6379
        published: 6380
`;

function dayshift(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp.dir, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

describe('dayshift init', () => {
  it('writes a service and a check for each service of docker-compose.yml, which validates', () => {
    const dir = project('shop', { 'docker-compose.yml': COMPOSE });
    const init = dayshift(dir, ['init']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote dayshift.yaml: 3 services and 3 checks from docker-compose.yml');

    const text = readFileSync(path.join(dir, 'dayshift.yaml'), 'utf8');
    const written = parse(text) as {
      stack: string;
      runtime: unknown;
      services: Record<string, { checks: Record<string, Record<string, unknown>> }>;
    };
    expect(written.stack).toBe('shop');
    expect(written.runtime).toEqual({ compose: { project_dir: '.', files: ['docker-compose.yml'] } });
    expect(Object.keys(written.services)).toEqual(['web', 'db', 'cache']);
    // The healthcheck runs in the container; from the host its URL goes through the published port.
    expect(written.services.web?.checks.health).toEqual({
      http: { url: 'http://127.0.0.1:8080/health' },
      every: '10s',
      timeout: '3s',
      retries: 6,
      start_period: '20s',
    });
    // The password stays the Compose file's reference, never a value.
    expect(written.services.db?.checks.health).toEqual({
      postgres: { url: 'postgres://app:${DB_PASSWORD:-change-me}@127.0.0.1:5433/app' },
      every: '5s',
    });
    expect(written.services.cache?.checks.port).toEqual({ tcp: { host: '127.0.0.1', port: 6380 } });
    expect(text).toMatch(/# from the healthcheck: curl -f http:\/\/localhost\/health/);

    const validate = dayshift(dir, ['validate']);
    expect(validate.stdout).toContain('ok: dayshift.yaml (3 services, 3 checks');
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
  });

  it('refuses to overwrite a stack file: exit 2 with the way out; --force replaces it', () => {
    const dir = project('kept', { 'compose.yaml': COMPOSE, 'dayshift.yaml': 'version: 1\nstack: mine\n' });
    const again = dayshift(dir, ['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: dayshift\.yaml already exists/);
    expect(again.stderr).toMatch(/^hint: .*--force/m);
    expect(readFileSync(path.join(dir, 'dayshift.yaml'), 'utf8')).toBe('version: 1\nstack: mine\n');

    const forced = dayshift(dir, ['init', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('from compose.yaml');
    expect(dayshift(dir, ['validate']).code).toBe(0);
  });

  it('turns other healthchecks and names into checks that validate: exec inside, redis, host network', () => {
    const dir = project('odd', {
      'docker-compose.yml': `services:
  worker.celery:
    image: example/worker
    healthcheck:
      test: celery -A app inspect ping
  queue:
    image: redis:7
    ports: ["6390:6379"]
    healthcheck: { test: ["CMD", "redis-cli", "ping"] }
  api:
    image: example/api
    network_mode: host
    healthcheck: { test: ["CMD-SHELL", "wget -qO- http://127.0.0.1:9000/ready || exit 1"], interval: 2s, timeout: 30s }
  sidecar:
    image: example/sidecar
  side-car:
    image: example/sidecar
  side.car:
    image: example/sidecar
`,
    });
    expect(dayshift(dir, ['init']).code).toBe(0);
    const written = parse(readFileSync(path.join(dir, 'dayshift.yaml'), 'utf8')) as {
      services: Record<string, { driver?: unknown; checks: Record<string, Record<string, unknown>> }>;
    };
    expect(written.services['worker-celery']).toEqual({
      driver: { compose: { service: 'worker.celery' } },
      checks: {
        health: {
          command: {
            run: [
              'docker',
              'compose',
              '-f',
              'docker-compose.yml',
              'exec',
              '-T',
              'worker.celery',
              'sh',
              '-c',
              'celery -A app inspect ping',
            ],
          },
        },
      },
    });
    expect(written.services.queue?.checks.health).toEqual({ redis: { url: 'redis://127.0.0.1:6390' } });
    // Docker allows a timeout longer than the interval; Dayshift does not, so the default stays.
    expect(written.services.api?.checks.health).toEqual({
      http: { url: 'http://127.0.0.1:9000/ready' },
      every: '2s',
    });
    expect(written.services.sidecar?.checks).toEqual({});
    // Two Compose names that clean up to one Dayshift name stay two services.
    expect(written.services['side-car-2']?.driver).toEqual({ compose: { service: 'side.car' } });
    const validate = dayshift(dir, ['validate']);
    expect(validate.stdout).toContain('ok: dayshift.yaml (6 services, 3 checks');
    expect(validate.code).toBe(0);
  });

  it('without a Compose file writes a commented minimal stack file that validates', () => {
    const dir = project('bare', {});
    const init = dayshift(dir, ['--json', 'init']);
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ compose: null, services: 0 });
    const text = readFileSync(path.join(dir, 'dayshift.yaml'), 'utf8');
    expect(text).toMatch(/^# A starter stack file/);
    expect(text).toMatch(/^# notifiers:/m);
    expect(dayshift(dir, ['validate']).code).toBe(0);
    const missing = dayshift(dir, ['init', '--force', '--compose', 'nope.yml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no Compose file at nope.yml');
  });
});
