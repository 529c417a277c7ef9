import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers } from '../../src/drivers/shared/pids.js';
import { CLI } from '../helpers/built-cli.js';

/**
 * `dayshift svc` as users run it: a shell-driven service started, restarted and stopped through the
 * built program, in its own process; the exit codes of a failed action, an unknown service and an
 * action the driver lacks.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-svc-'));
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => res.end(String(process.pid)));
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync('web.pid', String(process.pid));
  console.log('listening');
});
process.on('SIGTERM', () => process.exit(0));
`;
const started: number[] = [];

beforeAll(() => {
  writeFileSync(path.join(dir, 'server.cjs'), SERVER);
  writeFileSync(
    path.join(dir, 'dayshift.yaml'),
    [
      'version: 1',
      'services:',
      '  web:',
      '    driver:',
      '      shell:',
      `        start: '"${process.execPath}" server.cjs &'`,
      '        pidfile: web.pid',
      '        log_file: web.log',
      '        env: "printf \'PORT=8080\\nDB_PASSWORD=hunter2-canary\\n\'"',
      '  broken:',
      '    driver: { shell: { start: "echo cannot bind >&2; exit 4" } }',
      '  db:',
      '    driver: none',
      '',
    ].join('\n'),
  );
});
afterAll(() => {
  for (const pid of started) for (const member of groupMembers(pid)) process.kill(member, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function svc(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [CLI, 'svc', ...args, '--config', path.join(dir, 'dayshift.yaml')],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 30_000,
    },
  );
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('dayshift svc', () => {
  it('starts, reports and stops a shell-driven service, which outlives the command that started it', () => {
    const start = svc('start', 'web');
    expect(start.err).toBe('');
    expect(start.code).toBe(0);
    expect(start.out).toMatch(/web: start: running as pid \d+/);

    const status = svc('status', 'web', '--json');
    expect(status.code).toBe(0);
    const json = JSON.parse(status.out);
    expect(json.status.state).toBe('running');
    started.push(json.status.pid);
    expect(Number(readFileSync(path.join(dir, 'web.pid'), 'utf8'))).toBe(json.status.pid);

    expect(svc('logs', 'web', '--tail', '1').out).toBe('listening\n');
    expect(svc('stop', 'web').code).toBe(0);
    expect(svc('status', 'web').out).toMatch(/web\s+stopped/);
  });

  it('prints the environment with secret values masked', () => {
    const env = svc('env', 'web');
    expect(env.code).toBe(0);
    expect(env.out).toBe('PORT=8080\nDB_PASSWORD=[masked]\n');
  });

  it('exits 1 when the action fails, with its output and no stack trace', () => {
    const result = svc('start', 'broken');
    expect(result.code).toBe(1);
    expect(result.err).toContain('start of service `broken` failed: its command exited with 4');
    expect(result.err).toContain('cannot bind');
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for an unknown service, an unknown action and one the driver lacks, listing what it does', () => {
    const unknown = svc('status', 'wbe');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no service `wbe`');
    expect(unknown.err).toContain('services: web, broken, db');
    expect(svc('bounce', 'web').code).toBe(2);
    const lacks = svc('scale', 'web', '--replicas', '2');
    expect(lacks.code).toBe(2);
    expect(lacks.err).toContain('has no command for `scale`');
    expect(lacks.err).toContain('it can now: status, restart, stop, start, logs, env');
    const none = svc('restart', 'db');
    expect(none.code).toBe(2);
    expect(none.err).toContain('service `db` has no driver');
  });

  it('records every change and every reading of the environment in the audit log, and no secret', () => {
    const audit = spawnSync(
      process.execPath,
      [CLI, 'audit', '--action', 'service.*', '--json', '--config', path.join(dir, 'dayshift.yaml')],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(audit.status).toBe(0);
    const entries = JSON.parse(audit.stdout) as Array<{
      actor: string;
      action: string;
      target: string;
      result: string;
    }>;
    const seen = entries.map((e) => `${e.action} ${e.target} ${e.result.split(':')[0]}`);
    // The earlier tests: start, stop, env of web; the failed start of broken; the refused restart of db.
    for (const line of [
      'service.start web ok',
      'service.stop web ok',
      'service.env web ok',
      'service.start broken failed',
      'service.restart db refused',
    ])
      expect(seen).toContain(line);
    // Reading a status or logs changes nothing and is not an action.
    expect(seen.some((line) => line.startsWith('service.status') || line.startsWith('service.logs'))).toBe(
      false,
    );
    expect(entries.every((e) => e.actor.startsWith('cli:'))).toBe(true);
    expect(audit.stdout).not.toContain('hunter2-canary');
  });
});
