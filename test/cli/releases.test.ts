import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Releases } from '../../src/deploys/releases.js';
import { ManualClock } from '../../src/util/clock.js';
import { CLI } from '../helpers/built-cli.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';

/**
 * `dayshift releases <service>` as users run it (the built CLI), on both stores seeded through
 * Releases: the table (digests shortened, the live and known-good ones marked, the run and backup),
 * the whole records with --json, and the refusals (an unknown service with the likely one, a bad limit).
 */
const REPO = '127.0.0.1:5000/app';
const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
const image = (seed: string) => `${REPO}@sha256:${hex(seed)}`;

describe.each(STORE_KINDS)('dayshift releases (%s store)', (kind) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-releases-'));
  const configPath = path.join(dir, 'dayshift.yaml');
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 9));
  let test: TestStore;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    test = await createTestStore(kind);
    const store = await test.open();
    const releases = new Releases(store.db, clock);
    writeFileSync(
      configPath,
      `version: 1\n${storeYaml(test.options)}\nservices:\n  web: { driver: none }\n  worker: { driver: none }\n`,
    );
    const deploy = async (seed: string, end: 'verified' | 'failed', more: { action?: 'rollback' } = {}) => {
      clock.advance(60_000);
      const release = await releases.begin({
        service: 'web',
        kind: 'image',
        target: image(seed),
        requested: `app:${seed}`,
        action: more.action ?? 'deploy',
        runId: 40 + Object.keys(ids).length,
        by: more.action ? 'auto' : 'cli:ops@host',
        previousId: null,
      });
      if (seed === 'v2') await releases.bindBackup(release.id, { backup: 'db', snapshot: 'snap-7' });
      await releases.applied(release.id);
      return (await releases.settle(release.id, end)).id;
    };
    ids.v1 = await deploy('v1', 'verified');
    ids.v2 = await deploy('v2', 'failed');
    ids.back = await deploy('v1', 'verified', { action: 'rollback' });
  });
  afterAll(async () => {
    await test?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  function dayshift(...args: string[]) {
    const { DAYSHIFT_DATABASE_URL: _inherited, ...env } = process.env;
    const result = spawnSync(process.execPath, [CLI, '--config', configPath, ...args], {
      encoding: 'utf8',
      env: { ...env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('prints a table, newest first, with the digest shortened and the live release marked', () => {
    const { code, stdout, stderr } = dayshift('releases', 'web');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'ID',
      'TARGET',
      'REQUESTED',
      'ACTION',
      'STATE',
      'KNOWN-GOOD',
      'BY',
      'WHEN',
      'RUN',
      'BACKUP',
    ]);
    const rows = lines.slice(1).map((line) => line.split(/\s{2,}/));
    expect(rows).toEqual([
      [
        String(ids.back),
        `${REPO}@sha256:${hex('v1').slice(0, 12)}`,
        'app:v1',
        'rollback',
        'verified (live)',
        'yes',
        'auto',
        '2026-12-01T09:03:00Z',
        '42',
        '-',
      ],
      [
        String(ids.v2),
        `${REPO}@sha256:${hex('v2').slice(0, 12)}`,
        'app:v2',
        'deploy',
        'failed',
        '-',
        'cli:ops@host',
        '2026-12-01T09:02:00Z',
        '41',
        'db@snap-7',
      ],
      [
        String(ids.v1),
        `${REPO}@sha256:${hex('v1').slice(0, 12)}`,
        'app:v1',
        'deploy',
        'verified',
        'yes',
        'cli:ops@host',
        '2026-12-01T09:01:00Z',
        '40',
        '-',
      ],
    ]);
    expect(stdout).not.toContain(hex('v1'));
  });

  it('prints the whole records with --json, full digests and the live release id', () => {
    const { code, stdout } = dayshift('releases', 'web', '--json', '--limit', '2');
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as {
      service: string;
      liveId: number;
      releases: Array<Record<string, unknown>>;
    };
    expect(body.service).toBe('web');
    expect(body.liveId).toBe(ids.back);
    expect(body.releases.map((r) => r.id)).toEqual([ids.back, ids.v2]);
    expect(body.releases[1]).toMatchObject({
      target: image('v2'),
      requested: 'app:v2',
      state: 'failed',
      knownGood: false,
      runId: 41,
      backup: { backup: 'db', snapshot: 'snap-7' },
      createdAt: Date.UTC(2026, 11, 1, 9, 2),
    });
  });

  it('says when a service has no releases yet', () => {
    const { code, stdout } = dayshift('releases', 'worker');
    expect(code).toBe(0);
    expect(stdout).toBe('no releases of worker yet\n');
  });

  it('refuses a service the stack file does not define, naming the likely one, and a bad limit', () => {
    const typo = dayshift('releases', 'wbe');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no service `wbe` in the stack file');
    expect(typo.stderr).toContain('did you mean `web`?');
    const json = dayshift('releases', 'nothing-like-it', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: { code: 'SERVICE_NOT_FOUND', hint: 'services: web, worker' },
    });
    const limit = dayshift('releases', 'web', '--limit', '0');
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be a whole number from 1 to 1000');
  });
});
