import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, scratch } from '../config/fixtures.js';

const tmp = scratch('terminal');
/** The escape character that starts a colour. */
const ESC = '\u001b';
const COLOUR = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/;

beforeAll(() => {
  tmp.write(
    'dayshift.yaml',
    `version: 1
stack: terminal
services:
  web:
    checks:
      up: { tcp: { host: 127.0.0.1, port: 1 }, retries: 1 }
repositories:
  here: { local: { path: vault } }
backups:
  app:
    source: { sqlite: { path: app.db } }
    repository: here
    rpo: 25h
    drill: { rto: 30m }
`,
  );
  const db = new Database(path.join(tmp.dir, 'app.db'));
  db.exec("create table notes (body text); insert into notes values ('a');");
  db.close();
  expect(dayshift(['check']).code).toBe(1);
}, 120_000);
afterAll(tmp.cleanup);

/** The built `dayshift` with its output in a pipe, as a script sees it. */
function dayshift(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The built `dayshift` on a terminal: `script` gives it a pseudo-terminal and copies what it shows. */
function onTerminal(args: string[], env: Record<string, string> = {}) {
  const line = [process.execPath, CLI, ...args].map((w) => `'${w}'`).join(' ');
  const result = spawnSync('script', ['-qec', line, '/dev/null'], {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
  });
  return { code: result.status, stdout: result.stdout.replaceAll('\r\n', '\n') };
}

describe('output on a terminal and in a pipe', () => {
  it('colours a state on a terminal, and not under NO_COLOR', () => {
    const shown = onTerminal(['status']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${ESC}[31munhealthy${ESC}[0m`);
    const plain = onTerminal(['status'], { NO_COLOR: '1' });
    expect(plain.stdout).toMatch(/^web\s+up\s+unhealthy/m);
    expect(plain.stdout).not.toContain(ESC);
  });

  it('has no escape codes in a pipe, unless FORCE_COLOR asks for them; NO_COLOR wins', () => {
    expect(dayshift(['status']).stdout).not.toContain(ESC);
    expect(dayshift(['check']).stdout).not.toContain(ESC);
    expect(dayshift(['status'], { FORCE_COLOR: '1' }).stdout).toContain(`${ESC}[31munhealthy`);
    expect(dayshift(['check'], { FORCE_COLOR: '1' }).stdout).toContain(`${ESC}[31munhealthy`);
    expect(dayshift(['status'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain(ESC);
    expect(dayshift(['status'], { FORCE_COLOR: '0' }).stdout).not.toContain(ESC);
  });

  it('gives recent times as relative ones on a terminal, and ISO 8601 in a pipe', () => {
    const shown = onTerminal(['status'], { NO_COLOR: '1' });
    expect(shown.stdout).toMatch(
      /^web\s+up\s+unhealthy\s+(just now|\d+s ago|\d+ min ago)\s+(just now|\d+s ago|\d+ min ago)/m,
    );
    expect(shown.stdout).not.toMatch(ISO_TIME);
    const piped = dayshift(['status']);
    expect(piped.stdout).toMatch(new RegExp(`^web\\s+up\\s+unhealthy\\s+${ISO_TIME.source}`, 'm'));
  });

  it('keeps a table aligned when its cells are coloured', () => {
    const coloured = dayshift(['status'], { FORCE_COLOR: '1' }).stdout.replaceAll(COLOUR, '');
    const plain = dayshift(['status']).stdout;
    // The same columns, give or take the seconds ticking in LAST RUN and SINCE.
    const header = (text: string) => text.split('\n')[0];
    expect(header(coloured)).toBe(header(plain));
    expect(coloured.split('\n')[1]?.indexOf('unhealthy')).toBe(plain.split('\n')[1]?.indexOf('unhealthy'));
  });

  it('writes durations as people do: a drill against an RPO of 25h says 25h, not 90000.00s', () => {
    expect(dayshift(['backup', 'run', 'app']).code).toBe(0);
    const drill = dayshift(['backup', 'drill', 'app']);
    expect(drill.code).toBe(0);
    expect(drill.stdout).toMatch(/^RTO \d+ms \(target 30m\), RPO [\d.]+m?s \(target 25h\)$/m);
    const listed = dayshift(['backup', 'list', 'app']);
    expect(listed.stdout).toMatch(/^app\s+\S+\s+\S+\s+[\d.]+ KiB\s+\d+ms\s+1 rows/m);
  });
});
