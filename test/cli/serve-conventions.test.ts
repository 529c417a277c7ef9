import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, scratch } from '../config/fixtures.js';
import { killProcessesIn } from '../helpers/leftovers.js';
import { until } from '../helpers/wait.js';

const tmp = scratch('serve-conventions');
/** The escape character that starts a colour. */
const ESC = '\u001b';
const CONFIG = path.join('stack', 'dayshift.yaml');

beforeAll(() => {
  mkdirSync(path.join(tmp.dir, 'stack'));
  tmp.write(CONFIG, 'version: 1\nstack: serve-conventions\n');
}, 120_000);
afterAll(() => {
  // A node a failed assertion left behind (under `script` it is in a session of its own) goes too.
  killProcessesIn(tmp.dir);
  tmp.cleanup();
});

interface Serving {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `dayshift serve` from the scratch directory, its own process group; `wrap` runs it under `script`. */
function serve(args: string[], env: Record<string, string> = {}, underTerminal = false): Serving {
  const line = [process.execPath, CLI, '--config', CONFIG, 'serve', '--listen', '127.0.0.1:0', ...args];
  const child = underTerminal
    ? spawn('script', ['-qec', line.map((w) => `'${w}'`).join(' '), '/dev/null'], {
        cwd: tmp.dir,
        env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
        detached: true,
      })
    : spawn(line[0] as string, line.slice(1), {
        cwd: tmp.dir,
        env: { PATH: process.env.PATH ?? '', ...env },
        detached: true,
      });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, output: () => output, exited };
}

/** Ends the node by SIGTERM to its process group (under `script`, the group holds both). */
async function stop(node: Serving): Promise<void> {
  if (node.child.exitCode === null && node.child.pid) process.kill(-node.child.pid, 'SIGTERM');
  await node.exited;
}

/** The address the node serves at, from its JSON or its readable line. */
async function servingAt(node: Serving): Promise<string> {
  return until(
    async () =>
      /dayshift serving.*?(http:\/\/127\.0\.0\.1:\d+)|"address":"(http:\/\/[^"]+)".*dayshift serving/
        .exec(node.output())
        ?.slice(1)
        .find(Boolean),
    'serve to listen',
    60_000,
  );
}

describe('dayshift serve on a port in use', () => {
  let taken: Server;
  let port = 0;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => taken.close(resolve)));

  it('says the port is taken, names --listen, and exits 2 without a stack trace', () => {
    const result = spawnSync(
      process.execPath,
      [CLI, '--config', CONFIG, 'serve', '--listen', `127.0.0.1:${port}`],
      { cwd: tmp.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(result.status).toBe(2);
    const first = result.stderr.split('\n')[0] ?? '';
    expect(first).toMatch(new RegExp(`^error: cannot listen on 127\\.0\\.0\\.1:${port}: .*already uses`));
    expect(first).toContain('--listen');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toMatch(/^Error:/m);

    const json = spawnSync(
      process.execPath,
      [CLI, '--json', '--config', CONFIG, 'serve', '--listen', `127.0.0.1:${port}`],
      { cwd: tmp.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stderr).error.code).toBe('PORT_IN_USE');
  });
});

describe('dayshift serve logs', () => {
  it('are JSON lines in a pipe, and probes (/health, /ready, /metrics) are not logged at info', async () => {
    const node = serve([]);
    try {
      const base = await servingAt(node);
      for (const route of ['/health', '/ready', '/metrics', '/health?x=1'])
        expect((await fetch(`${base}${route}`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/jobs`)).status).toBe(401);
      const lines = async () =>
        node
          .output()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { msg: string; level: string; req?: { url: string } });
      await until(
        async () => ((await lines()).some((l) => l.req?.url === '/api/v1/jobs') ? true : undefined),
        'the API request to be logged',
      );
      const urls = (await lines()).flatMap((l) => (l.req ? [l.req.url] : []));
      expect(urls).toEqual(['/api/v1/jobs']);
    } finally {
      await stop(node);
    }
  });

  it('log probes at debug when asked for debug', async () => {
    const node = serve([], { DAYSHIFT_LOG_LEVEL: 'debug' });
    try {
      const base = await servingAt(node);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      await until(
        async () => (/"level":"debug".*"url":"\/health"/.test(node.output()) ? true : undefined),
        'the probe at debug',
      );
    } finally {
      await stop(node);
    }
  });

  it('are readable lines on a terminal, coloured unless NO_COLOR, and JSON there with --json', async () => {
    for (const [env, args, colour] of [
      [{}, [], true],
      [{ NO_COLOR: '1' }, [], false],
    ] as const) {
      const node = serve([...args], env, true);
      try {
        await servingAt(node);
        const text = node.output();
        expect(text.includes(`${ESC}[`), JSON.stringify(env)).toBe(colour);
        const plain = text.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');
        expect(plain).toMatch(/^\d\d:\d\d:\d\d info {2}dayshift serving address=http/m);
        expect(plain).not.toMatch(/^\{"level"/m);
      } finally {
        await stop(node);
      }
    }
    const json = serve(['--json'], {}, true);
    try {
      await servingAt(json);
      expect(json.output()).toMatch(/^\{"level":"info".*"msg":"dayshift serving"/m);
    } finally {
      await stop(json);
    }
    const asked = serve(['--log-format', 'text'], { NO_COLOR: '1' });
    try {
      await servingAt(asked);
      expect(asked.output()).toMatch(/^\d\d:\d\d:\d\d info {2}dayshift serving address=http/m);
    } finally {
      await stop(asked);
    }
  });
});

describe('the hint at first start', () => {
  it('is a command that works as written, from where serve was started, on the same store', async () => {
    const node = serve([]);
    let hint: string;
    try {
      await servingAt(node);
      hint = await until(
        async () =>
          /Create one with: (.*token create --role admin --name <your-name>)/.exec(node.output())?.[1],
        'the first-start hint',
      );
    } finally {
      await stop(node);
    }
    expect(hint).toContain(`--config ${CONFIG}`);
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', hint.replace('<your-name>', 'first')], {
      cwd: tmp.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.stderr).toContain('token "first" (admin) created');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^dst_/);
  });
});
