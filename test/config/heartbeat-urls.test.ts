import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';
import { scratch } from './fixtures.js';

const tmp = scratch('heartbeat-urls');
afterAll(() => tmp.cleanup());

const KEY = 'project-ping-key-0123456789';

/** A heartbeat's slug URL is checked when the file loads, each problem at its line and column. */
describe('heartbeat ping keys and slugs', () => {
  const load = (checks: string) =>
    loadConfig(tmp.write('dayshift.yaml', `version: 1\nservices:\n  cron:\n    checks:\n${checks}`), {
      env: { KEY },
    });

  it('takes a ping key and a slug, and gives a heartbeat one retry unless it says otherwise', () => {
    const result = load(
      `      nightly: { heartbeat: { period: 1d, ping_key: "\${KEY}" } }
      weekly: { heartbeat: { period: 7d, ping_key: "\${KEY}", slug: weekly-report }, retries: 2 }
      probe: { tcp: { host: 127.0.0.1, port: 9 } }
`,
    );
    expect(result.ok ? '' : formatIssues(result.errors)).toBe('');
    if (!result.ok) return;
    const checks = result.config.services.cron?.checks;
    expect(checks?.nightly?.retries).toBe(1);
    expect(checks?.weekly?.retries).toBe(2);
    expect(checks?.probe?.retries).toBe(3);
  });

  it('refuses two checks with one slug under one ping key, a short ping key, an uppercase slug', () => {
    const result = load(
      `      nightly: { heartbeat: { period: 1d, ping_key: "\${KEY}", slug: backup } }
      backup: { heartbeat: { period: 1d, ping_key: "\${KEY}" } }
      short: { heartbeat: { period: 1d, ping_key: "abc" } }
      upper: { heartbeat: { period: 1d, ping_key: "\${KEY}", slug: Upper } }
`,
    );
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : formatIssues(result.errors);
    expect(text).toContain(
      'dayshift.yaml:6:28 services.cron.checks.backup.heartbeat: the slug "backup" is already cron.nightly\'s under this ping key',
    );
    expect(text).toMatch(
      /dayshift\.yaml:7:\d+ services\.cron\.checks\.short\.heartbeat\.ping_key: expected a ping key of at least 16/,
    );
    expect(text).toMatch(
      /dayshift\.yaml:8:\d+ services\.cron\.checks\.upper\.heartbeat\.slug: expected a slug of lowercase/,
    );
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('"abc"');
  });

  it('refuses a ping key that is also a check token', () => {
    const result = load(
      `      nightly: { heartbeat: { period: 1d, token: "\${KEY}" } }
      weekly: { heartbeat: { period: 7d, ping_key: "\${KEY}" } }
`,
    );
    const text = result.ok ? '' : formatIssues(result.errors);
    expect(text).toMatch(
      /dayshift\.yaml:6:\d+ services\.cron\.checks\.weekly\.heartbeat\.ping_key: this ping key is also a heartbeat token/,
    );
  });
});
