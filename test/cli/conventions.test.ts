import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { CLI, scratch } from '../config/fixtures.js';

const tmp = scratch('conventions');
let listening: Server;
let openPort = 0;

beforeAll(async () => {
  listening = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  openPort = (listening.address() as { port: number }).port;
  tmp.write(
    'dayshift.yaml',
    `version: 1
stack: conventions
services:
  web:
    checks:
      up: { tcp: { host: 127.0.0.1, port: ${openPort} }, retries: 1 }
repositories:
  here: { local: { path: vault } }
backups:
  app: { source: { sqlite: { path: app.db } }, repository: here }
`,
  );
  tmp.write(
    'down.yaml',
    // Port 1 on loopback refuses: the check fails at its first run (retries: 1).
    'version: 1\nstack: down\nservices:\n  web:\n    checks:\n      up: { tcp: { host: 127.0.0.1, port: 1 }, retries: 1 }\n',
  );
  const db = new Database(path.join(tmp.dir, 'app.db'));
  db.exec("create table notes (body text); insert into notes values ('a');");
  db.close();
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => listening.close(resolve));
  tmp.cleanup();
});

/** The built `dayshift` in the scratch directory; not blocking, so the listener here can answer. */
async function dayshift(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: tmp.dir,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

const STACK_TRACE = /\n\s+at /;

describe('dayshift --version', () => {
  it('prints the package version and exits 0, long or short', async () => {
    for (const flag of ['--version', '-V']) {
      const out = await dayshift([flag]);
      expect(out.code, flag).toBe(0);
      expect(out.stdout).toBe(`${VERSION}\n`);
      expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    }
  });
});

describe('usage errors', () => {
  it('exit 2 with what was wrong: an unknown option, an unknown command, a missing argument', async () => {
    const cases: Array<[string[], string]> = [
      [['--frobnicate'], "unknown option '--frobnicate'"],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['status', '--frobnicate'], "unknown option '--frobnicate'"],
      [['token', 'revoke'], "missing required argument 'nameOrId'"],
      [['jobs', 'show'], "missing required argument 'id'"],
      [['alerts', 'show'], "missing required argument 'id'"],
      [['backup', 'show'], "missing required argument 'name'"],
      [['ack'], "missing required argument 'id'"],
    ];
    for (const [args, said] of cases) {
      const out = await dayshift(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr).toContain(said);
      expect(out.stderr).not.toMatch(STACK_TRACE);
    }
  });

  it('a show or revoke of an id or name that does not exist exits 2 and says so, for every verb', async () => {
    expect((await dayshift(['backup', 'run', 'app'])).code).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [['token', 'revoke', 'nobody'], /no live token named or numbered "nobody"/],
      [['token', 'revoke', '4242'], /no live token named or numbered "4242"/],
      [['jobs', 'show', '4242'], /no job 4242/],
      [['jobs', 'retry', '4242'], /no job 4242/],
      [['jobs', 'cancel', '4242'], /no job 4242/],
      [['alerts', 'show', '4242'], /no alert #4242/],
      [['ack', '4242'], /no alert #4242/],
      [['silence', '--expire', '4242'], /no active silence #4242/],
      [['backup', 'show', 'nothing'], /no backup named nothing/],
      [['backup', 'show', 'app', 'ffffffff'], /ffffffff/],
      [['backup', 'list', 'nothing'], /no backup named nothing/],
      [['smoke', 'nothing'], /no smoke suite named "nothing"/],
      [['notify', 'test', 'nothing'], /no notifier "nothing"/],
      [['check', 'nothing'], /no service or check named "nothing"/],
    ];
    for (const [args, said] of cases) {
      const out = await dayshift(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr, args.join(' ')).toMatch(said);
      expect(out.stderr).not.toMatch(STACK_TRACE);
    }
  });
});

describe('--json errors', () => {
  it('are one JSON object on stderr with code, message and hint, and the same exit code', async () => {
    const cases: Array<[string[], number, string]> = [
      [['--json', 'jobs', 'show', '4242'], 2, 'JOB_NOT_FOUND'],
      [['jobs', 'show', '4242', '--json'], 2, 'JOB_NOT_FOUND'],
      [['--json', '--config', 'missing.yaml', 'status'], 2, 'CONFIG_NOT_FOUND'],
      [['--json', 'frobnicate'], 2, 'BAD_REQUEST'],
      [['--json', 'token', 'revoke'], 2, 'BAD_REQUEST'],
      [['--json'], 2, 'BAD_REQUEST'],
      [['--json', 'backup'], 2, 'BAD_REQUEST'],
    ];
    for (const [args, exit, code] of cases) {
      const out = await dayshift(args);
      expect(out.code, args.join(' ')).toBe(exit);
      expect(out.stdout, args.join(' ')).toBe('');
      const body = JSON.parse(out.stderr) as { error: { code: string; message: string; hint?: string } };
      expect(body.error.code, args.join(' ')).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(5);
      expect(body.error.hint, args.join(' ')).toBeTruthy();
    }
    const plain = await dayshift(['jobs', 'show', '4242']);
    expect(plain.stderr).toMatch(/^error: no job 4242\nhint: /);
  });

  it('keeps a store that does not answer at exit 3, with its cause', async () => {
    const out = await dayshift(['--json', 'jobs', 'list'], {
      DAYSHIFT_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/dayshift',
    });
    expect(out.code).toBe(3);
    const body = JSON.parse(out.stderr) as { error: { code: string; causes: string[] } };
    expect(body.error.code).toBe('STORE_UNAVAILABLE');
    expect(body.error.causes.join(' ')).toMatch(/ECONNREFUSED/);
  });
});

describe('writing into a closed pipe', () => {
  it('`dayshift schema | head -1` ends quietly: no EPIPE, no stack trace, exit 0', () => {
    // The schema is larger than a pipe's buffer, so the write is still going when head exits.
    const result = spawnSync(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        `"${process.execPath}" "${CLI}" schema | head -1; echo "exit \${PIPESTATUS[0]}" >&2`,
      ],
      { cwd: tmp.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(result.stdout).toBe('{\n');
    expect(result.stderr).toBe('exit 0\n');
  });
});

describe('dayshift status --exit-code', () => {
  it('exits 1 while a check is unhealthy and 0 when none is; without the option, 0 either way', async () => {
    const down = ['--config', 'down.yaml'];
    expect((await dayshift([...down, 'check'])).code).toBe(1);
    const red = await dayshift([...down, 'status', '--exit-code']);
    expect(red.stdout).toMatch(/^web\s+up\s+unhealthy/m);
    expect(red.code).toBe(1);
    expect((await dayshift([...down, 'status'])).code).toBe(0);
    expect((await dayshift([...down, '--json', 'status', '--exit-code'])).code).toBe(1);

    expect((await dayshift(['check'])).code).toBe(0);
    const green = await dayshift(['status', '--exit-code']);
    expect(green.stdout).toMatch(/^web\s+up\s+healthy/m);
    expect(green.code).toBe(0);
  });
});
