import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/built-cli.js';

/**
 * `dayshift svc` on a systemd unit, as users run it: the built program (whose systemd machinery is a
 * chunk loaded on first use) with `systemctl` and `journalctl` from PATH. PID 1 here is not systemd,
 * so PATH starts with the unit manager stand-in of test/fixtures/unit-manager/ (see its header), which
 * really runs the unit's server.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-systemd-cli-'));
const units = path.join(dir, 'units');
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end(String(process.pid)));
server.listen(0, '127.0.0.1', () => {
  require('node:fs').writeFileSync(process.env.PORT_FILE, String(server.address().port));
  console.log('serving ' + process.env.GREETING);
});
process.on('SIGTERM', () => process.exit(0));
`;
const env = {
  ...process.env,
  NO_COLOR: '1',
  DAYSHIFT_UNITS_DIR: units,
  PATH: [path.resolve('test/fixtures/unit-manager'), path.dirname(process.execPath), process.env.PATH].join(
    ':',
  ),
};

beforeAll(() => {
  mkdirSync(path.join(units, 'system'), { recursive: true });
  writeFileSync(path.join(dir, 'server.cjs'), SERVER);
  writeFileSync(
    path.join(units, 'system', 'api.service.json'),
    JSON.stringify({
      exec: [process.execPath, path.join(dir, 'server.cjs')],
      cwd: dir,
      environment: {
        PORT_FILE: path.join(dir, 'api.port'),
        GREETING: 'hello',
        SESSION_SECRET: 'canary-cli-unit',
      },
    }),
  );
  writeFileSync(path.join(dir, 'dayshift.yaml'), 'version: 1\nservices:\n  api:\n    driver: systemd\n');
});
afterAll(() => {
  svc('stop', 'api');
  rmSync(dir, { recursive: true, force: true });
});

function svc(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [CLI, 'svc', ...args, '--config', path.join(dir, 'dayshift.yaml')],
    {
      encoding: 'utf8',
      env,
      timeout: 30_000,
    },
  );
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('dayshift svc on a systemd unit', () => {
  it('starts it, shows it running with its pid, reads its journal and its masked environment, stops it', async () => {
    const start = svc('start', 'api');
    expect(start.err).toBe('');
    // A change is recorded as a run, which the command names last.
    expect(start.out).toMatch(/^api: start: api\.service is active \(running\) as pid \d+\nrun \d+\n$/);
    const status = JSON.parse(svc('status', 'api', '--json').out);
    expect(status).toMatchObject({ driver: 'systemd', status: { state: 'running', restarts: 0 } });
    const port = readFileSync(path.join(dir, 'api.port'), 'utf8');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(String(status.status.pid));
    expect(svc('logs', 'api', '--since', '5m').out).toMatch(
      new RegExp(`api\\[${status.status.pid}\\]: serving hello\\n$`),
    );
    const shown = svc('env', 'api');
    expect(shown.out).toContain('GREETING=hello\n');
    expect(shown.out).toContain('SESSION_SECRET=[masked]\n');
    expect(shown.out).not.toContain('canary-cli-unit');
    expect(svc('stop', 'api').code).toBe(0);
    expect(svc('status', 'api').out).toMatch(/api\s+stopped\s+-\s+-\s+0\s+api\.service is inactive \(dead\)/);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('exits 3 when systemd does not answer, saying why', () => {
    const result = spawnSync(
      process.execPath,
      [CLI, 'svc', 'restart', 'api', '--config', path.join(dir, 'dayshift.yaml')],
      {
        encoding: 'utf8',
        env: { ...env, DAYSHIFT_UNITS_DIR: '' },
        timeout: 30_000,
      },
    );
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('System has not been booted with systemd');
  });
});
