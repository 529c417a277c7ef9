import { describe, expect, it } from 'vitest';
import { type CheckKind, checkKinds } from '../../src/checks/registry.js';
import { runCheck } from '../../src/checks/run.js';
import { parseCondition } from '../../src/conditions/index.js';
import { checkOf, testEnv } from './check-env.js';

/**
 * The contract every check kind passes. For each kind: options a user could write whose target is
 * absent or broken (a closed port, a missing file, a container that does not exist). Running it must
 * give a failed result with a reason, as data, within the timeout, never an exception.
 */
const unreachable: Record<CheckKind, unknown> = {
  http: { url: 'http://127.0.0.1:1/health' },
  tcp: { host: '127.0.0.1', port: 1 },
  tls: { host: '127.0.0.1', port: 1 },
  cert_file: { paths: ['/nonexistent/dayshift/cert.pem'] },
  dns: { name: 'does-not-exist.invalid', server: '127.0.0.1:1' },
  postgres: { url: 'postgres://postgres@127.0.0.1:1/postgres' },
  mysql: { url: 'mysql://root@127.0.0.1:1/test' },
  redis: { url: 'redis://127.0.0.1:1' },
  sql: { url: 'postgres://postgres@127.0.0.1:1/postgres', query: 'select 1' },
  command: { run: 'exit 3' },
  host: { disk: '/nonexistent/dayshift/disk' },
  docker: { container: 'dayshift-no-such-container', socket: '/nonexistent/docker.sock' },
  heartbeat: { period: '1m' },
};

describe.each(Object.keys(checkKinds) as CheckKind[])('check kind contract: %s', (kind) => {
  const definition = checkKinds[kind];

  it('names itself and describes itself in one line', () => {
    expect(definition.kind).toBe(kind);
    expect(definition.description).toMatch(/^\S.{10,}/);
    expect(definition.description).not.toContain('\n');
  });

  it('has default conditions that parse', () => {
    expect(definition.defaultExpect.length).toBeGreaterThan(0);
    for (const source of definition.defaultExpect) expect(() => parseCondition(source)).not.toThrow();
  });

  it('rejects unknown options', () => {
    const result = definition.options.safeParse({ ...(unreachable[kind] as object), no_such_option: 1 });
    expect(result.success).toBe(false);
  });

  it('reports a broken target as a failed result with a reason, within its timeout', async () => {
    const started = performance.now();
    const result = await runCheck(checkOf(kind, unreachable[kind], [], 3000), testEnv());
    expect(performance.now() - started).toBeLessThan(4000);
    expect(result.ok).toBe(false);
    expect(result.outcome).toBe('fail');
    expect(result.checkId).toBe(`test.${kind}`);
    expect(typeof result.latencyMs).toBe('number');
    const why = result.error ?? result.conditions.find((c) => !c.ok)?.expr;
    expect(why, JSON.stringify(result)).toBeTruthy();
    expect(result.error ?? '').not.toContain('cannot run yet');
  });
});
