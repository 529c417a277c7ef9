import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/config/issues.js';
import { loadConfig, loadConfigOrThrow } from '../../src/config/load.js';
import { isSecret, Secret } from '../../src/schema/secret.js';
import { canaries, designVariables, scratch } from './fixtures.js';

const tmp = scratch('secrets');
afterAll(tmp.cleanup);

/** Every string value in a config, walking into everything but Secrets. */
function plainStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object' && !(value instanceof Secret))
    for (const v of Object.values(value)) plainStrings(v, out);
  return out;
}

describe('secrets in the loaded config', () => {
  const { config } = loadConfigOrThrow('test/fixtures/design-example.yaml', { env: designVariables });

  it('are Secret values wherever the file holds a credential', () => {
    const services = config.services;
    const secrets = [
      services.db?.checks.ready?.options,
      services.worker?.checks.backlog?.options,
      config.notifiers.oncall?.options,
      config.notifiers.mail?.options,
      config.repositories.local?.options,
      config.repositories.offsite?.options,
      config.backups.db?.source.options,
    ].map((o) => Object.values(o as object).filter(isSecret).length);
    expect(secrets).toEqual([1, 1, 1, 1, 1, 1, 1]);
    // No canary is left anywhere as a plain string.
    const strings = plainStrings(config).join('\n');
    for (const canary of canaries) expect(strings).not.toContain(canary);
  });

  it('never print their value: String, JSON, util.inspect, template strings', () => {
    const ready = config.services.db?.checks.ready;
    if (ready?.kind !== 'postgres') throw new Error('expected the postgres check of the DESIGN example');
    const url = ready.options.url;
    const printed = [
      JSON.stringify(config),
      inspect(config, { depth: null }),
      String(url),
      `${url}`,
      inspect(url),
    ].join('\n');
    for (const canary of canaries) expect(printed).not.toContain(canary);
    expect(printed).toContain('[redacted]');
    expect(url.reveal()).toBe(designVariables.DATABASE_URL);
  });
});

describe('secrets in errors', () => {
  it('are never echoed by an error about the secret value itself', () => {
    const file = tmp.write(
      'bad-secrets.yaml',
      [
        'version: 1',
        'store: { url: "mysql://root:canary-store-password@db/app" }',
        'notifiers:',
        '  oncall: { pagerduty: { routing_key: 12345678 } }',
        '  ops: { slack: { webhook_url: "ftp://canary-slack-token@hooks" } }',
        'repositories:',
        '  offsite: { restic: { repository: /srv/r, password: "${RESTIC_PASSWORD}" } }',
        'services:',
        '  db:',
        '    checks:',
        '      ready: { postgres: { url: "${DATABASE_URL}" }, every: 10 seconds }',
        '',
      ].join('\n'),
    );
    const result = loadConfig(file, { env: { DATABASE_URL: 'postgres://app:canary-db-password@db/app' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatIssues(result.errors);
    expect(result.errors.map((e) => e.path)).toEqual([
      'store.url',
      'notifiers.oncall.pagerduty.routing_key',
      'notifiers.ops.slack.webhook_url',
      'services.db.checks.ready.every',
    ]);
    for (const canary of ['canary-store-password', '12345678', 'canary-slack-token', 'canary-db-password'])
      expect(text).not.toContain(canary);
    // What is not secret is still shown.
    expect(text).toContain('got "10 seconds"');
  });

  it('are scrubbed from messages that quote a value a secret was built from', () => {
    const file = tmp.write(
      'echo.yaml',
      'version: 1\nrepositories:\n  r: { restic: { repository: /srv/r, password: "${PW}" } }\nstack: "${PW}"\n',
    );
    // `stack` must be a name; the message quotes the value, which is also a wrapped secret.
    const result = loadConfig(file, { env: { PW: 'canary pass word' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatIssues(result.errors)).not.toContain('canary pass word');
  });
});
