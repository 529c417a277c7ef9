import { afterAll, describe, expect, it } from 'vitest';
import { interpolate, readComposeFile } from '../../src/cli/init/compose-file.js';
import { scratch } from '../config/fixtures.js';

const tmp = scratch('compose-file');
afterAll(tmp.cleanup);

/** The published ports Dayshift reads from one service's `ports:` items. */
function portsOf(items: string, env: NodeJS.ProcessEnv = {}) {
  const file = tmp.write('compose.yaml', `services:\n  app:\n    image: x\n    ports:\n${items}`);
  return readComposeFile(file, env)[0]?.ports;
}

describe('reading a Compose file', () => {
  it.each([
    ['    - "8080:80"\n', [{ hostPort: 8080, containerPort: 80 }]],
    ['    - "127.0.0.1:8080:80/tcp"\n', [{ hostPort: 8080, containerPort: 80, hostIp: '127.0.0.1' }]],
    ['    - "[::1]:8080:80"\n', [{ hostPort: 8080, containerPort: 80, hostIp: '::1' }]],
    ['    - "${WEB_PORT:-8081}:80"\n', [{ hostPort: 8081, containerPort: 80 }]],
    [
      '    - { target: 80, published: "8082", host_ip: 127.0.0.1 }\n',
      [{ hostPort: 8082, containerPort: 80, hostIp: '127.0.0.1' }],
    ],
    // No fixed host port, a range, UDP: nothing a check can aim at.
    [
      '    - "80"\n    - "9000-9002:9000-9002"\n    - "53:53/udp"\n    - { target: 53, published: 53, protocol: udp }\n',
      [],
    ],
  ])('ports %j', (items, expected) => {
    expect(portsOf(items)).toEqual(expected.map((p) => ({ hostIp: undefined, ...p })));
  });

  it('substitutes a port variable from the environment as Compose does', () => {
    expect(portsOf('    - "${WEB_PORT:-8081}:80"\n', { WEB_PORT: '9090' })?.[0]?.hostPort).toBe(9090);
    expect(interpolate('${A:-x}/${A-y}/${B}', { A: '' })).toBe('x//');
  });

  it('reads the healthcheck forms: CMD, CMD-SHELL, a plain string, NONE and disable', () => {
    const file = tmp.write(
      'compose.yaml',
      `services:
  a: { healthcheck: { test: ["CMD", "curl", "-f", "http://localhost"] } }
  b: { healthcheck: { test: ["CMD-SHELL", "pg_isready"] } }
  c: { healthcheck: { test: "redis-cli ping" } }
  d: { healthcheck: { test: ["NONE"] } }
  e: { healthcheck: { test: ["CMD", "true"], disable: true } }
`,
    );
    expect(readComposeFile(file).map((s) => s.test)).toEqual([
      { exec: ['curl', '-f', 'http://localhost'] },
      { shell: 'pg_isready' },
      { shell: 'redis-cli ping' },
      undefined,
      undefined,
    ]);
  });

  it('says which file it cannot read and how to find out why', () => {
    const file = tmp.write('compose.yaml', 'services: [\n');
    expect(() => readComposeFile(file)).toThrow(/compose\.yaml is not a YAML file Dayshift can read/);
  });
});
