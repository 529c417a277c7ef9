import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { listAudit } from '../../src/audit/index.js';
import { signedHeaders } from '../../src/drivers/shared/agent-signature.js';
import { silentLogger } from '../../src/log/logger.js';
import { startNode } from '../../src/runtime/node.js';
import type { Store } from '../../src/store/index.js';
import { rawAgentRequest } from '../helpers/agent-socket.js';
import { CLI } from '../helpers/built-cli.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { until, within } from '../helpers/wait.js';

/**
 * `dayshift agent` as users run it: the built program on a unix socket, over a stack file whose service
 * `web` is a local HTTP server the test owns (shell driver: no Docker needed, the agent takes the same
 * typed actions whatever the driver). A second stack file, the one `dayshift svc` reads, sends `web`'s
 * actions to the agent through its driver's `agent: { url, token }`. The agent refuses an action not in
 * its list, a service not in its config, a wrong token, a replayed request and an unsigned raw request,
 * each with a clear error and an audit entry in its store; it refuses to listen off loopback.
 */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => res.end(String(process.pid)));
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync('web.port', String(server.address().port));
  fs.writeFileSync('web.pid', String(process.pid));
  console.log('listening as ' + process.pid);
});
process.on('SIGTERM', () => process.exit(0));
`;
const ALLOW = 'status,restart,stop,start,logs';

describe.each(STORE_KINDS)('dayshift agent (%s store)', (kind) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-agent-'));
  const agentDir = path.join(dir, 'agent');
  const clientDir = path.join(dir, 'client');
  const socket = path.join(dir, 'agent.sock');
  const token = randomBytes(32).toString('hex');
  let test: TestStore;
  let store: Store;
  let agent: ChildProcess;
  let agentOut = '';
  const servers: number[] = [];

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    mkdirSync(agentDir);
    mkdirSync(clientDir);
    writeFileSync(path.join(agentDir, 'server.cjs'), SERVER);
    writeFileSync(
      path.join(agentDir, 'dayshift.yaml'),
      [
        'version: 1',
        storeYaml(test.options),
        'services:',
        '  web:',
        '    driver:',
        '      shell:',
        `        start: '"${process.execPath}" server.cjs &'`,
        '        pidfile: web.pid',
        '        log_file: web.log',
        '        env: "printf \'DB_PASSWORD=hunter2-agent-canary\\n\'"',
        '',
      ].join('\n'),
    );
    const client = (file: string, url: string) =>
      writeFileSync(
        path.join(clientDir, file),
        [
          'version: 1',
          'runtime: { compose: { agent: { url: "${AGENT_URL}", token: "${AGENT_TOKEN}" } } }',
          'services:',
          '  web: {}',
          '  ghost: {}',
          '',
        ]
          .join('\n')
          .replace('${AGENT_URL}', url),
      );
    client('dayshift.yaml', `unix:${socket}`);
    client('elsewhere.yaml', `unix:${path.join(dir, 'nobody.sock')}`);
    agent = spawn(
      process.execPath,
      [
        CLI,
        'agent',
        '--config',
        path.join(agentDir, 'dayshift.yaml'),
        '--listen',
        `unix:${socket}`,
        '--allow',
        ALLOW,
      ],
      { env: { ...process.env, DAYSHIFT_AGENT_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent.stdout?.on('data', (chunk: Buffer) => {
      agentOut += chunk.toString();
    });
    agent.stderr?.on('data', (chunk: Buffer) => {
      agentOut += chunk.toString();
    });
    await until(
      () => (agentOut.includes('agent listening') ? true : undefined),
      () => `the agent to listen: ${agentOut}`,
    );
  });
  afterAll(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    // Whatever a failed assertion left running: only servers still ours, since a pid can be reused.
    for (const pid of servers)
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.cjs')) process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    await test?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `dayshift svc` against the client stack file, whose services act through the agent. */
  const svc = (args: string[], tokenValue = token, file = 'dayshift.yaml') => {
    const result = spawnSync(
      process.execPath,
      [CLI, 'svc', ...args, '--config', path.join(clientDir, file)],
      {
        encoding: 'utf8',
        env: { ...process.env, AGENT_TOKEN: tokenValue, NO_COLOR: '1' },
        timeout: 30_000,
      },
    );
    return { code: result.status, out: result.stdout, err: result.stderr };
  };
  const webPid = () => Number(readFileSync(path.join(agentDir, 'web.pid'), 'utf8'));
  const answer = async () =>
    (await fetch(`http://127.0.0.1:${readFileSync(path.join(agentDir, 'web.port'), 'utf8')}/`)).text();

  /** One raw request to the agent's socket: what any local process could send. */
  const raw = (pathname: string, body: string, headers: Record<string, string>, method = 'POST') =>
    rawAgentRequest(socket, pathname, body, headers, method);
  const signed = (pathname: string, body: string, as = token, now = Date.now()) =>
    signedHeaders(as, { method: 'POST', path: pathname, body }, now);
  const entries = async () => listAudit(store.db, { action: 'agent.', limit: 1000 });

  it('listens on its unix socket, for its own user only', () => {
    expect(existsSync(socket)).toBe(true);
    expect(readFileSync(`/proc/${agent.pid}/cmdline`, 'utf8')).not.toContain(token);
    // mode 0600: the token is the second lock, not the only one.
    expect(spawnSync('stat', ['-c', '%a', socket], { encoding: 'utf8' }).stdout.trim()).toBe('600');
  });

  it('performs an allowed action sent by dayshift svc through the driver`s agent: start, restart, status', async () => {
    const start = svc(['start', 'web']);
    expect(start.err).toBe('');
    expect(start.code).toBe(0);
    expect(start.out).toMatch(/web: start: running as pid \d+/);
    const first = webPid();
    servers.push(first);
    expect(await answer()).toBe(String(first));

    const restart = svc(['restart', 'web']);
    expect(restart.code, restart.err).toBe(0);
    const second = webPid();
    servers.push(second);
    expect(second).not.toBe(first);
    expect(await answer()).toBe(String(second));

    const status = svc(['status', 'web', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out).status).toMatchObject({ state: 'running', pid: second });
    expect(svc(['logs', 'web', '--tail', '1']).out).toBe(`listening as ${second}\n`);

    const audit = await entries();
    expect(audit.find((e) => e.action === 'agent.restart')).toMatchObject({
      actor: 'agent:client',
      target: 'web',
      result: 'ok',
    });
  });

  it('refuses an action not in its list, naming the ones it takes', async () => {
    const env = svc(['env', 'web']);
    expect(env.code).toBe(2);
    expect(env.err).toContain('this agent does not take `env`');
    expect(env.err).toContain('it takes: status, restart, stop, start, logs');
    expect(env.err).not.toContain('hunter2');
    // Nor anything that is not a typed action at all: there is no command, no Docker API to reach.
    const exec = await raw('/v1/services/web/exec', '{}', signed('/v1/services/web/exec', '{}'));
    expect(exec.status).toBe(403);
    expect(exec.body.error?.code).toBe('AGENT_ACTION_REFUSED');
    const refusals = (await entries()).filter((e) => e.result === 'refused: AGENT_ACTION_REFUSED');
    expect(refusals.map((e) => `${e.action} ${e.target}`).sort()).toEqual([
      'agent.env web',
      'agent.request web',
    ]);
  });

  it('refuses a service not in its own config', async () => {
    const ghost = svc(['restart', 'ghost']);
    expect(ghost.code).toBe(2);
    expect(ghost.err).toContain('no service `ghost` in the stack file');
    expect((await entries()).find((e) => e.target === 'ghost')).toMatchObject({
      action: 'agent.restart',
      result: 'refused: SERVICE_NOT_FOUND',
    });
  });

  it('refuses a request signed with another token, and acts on nothing', async () => {
    const before = webPid();
    const wrong = svc(['restart', 'web'], randomBytes(32).toString('hex'));
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('wrong signature: the request was signed with another token');
    expect(webPid()).toBe(before);
    const entry = (await entries()).find(
      (e) => e.actor === 'agent:unauthenticated' && e.action === 'agent.restart',
    );
    expect(entry).toMatchObject({ target: 'web', result: 'refused: AGENT_AUTH_FAILED' });
    expect(entry?.params.reason).toContain('wrong signature');
  });

  it('refuses a replayed request: the same signed bytes sent twice', async () => {
    const pathname = '/v1/services/web/restart';
    const body = '{"timeoutMs":20000}';
    const headers = signed(pathname, body);
    const first = await raw(pathname, body, headers);
    expect(first.status).toBe(200);
    const pid = webPid();
    servers.push(pid);
    const again = await raw(pathname, body, headers);
    expect(again.status).toBe(401);
    expect(again.body.error).toMatchObject({ code: 'AGENT_AUTH_FAILED' });
    expect(again.body.error?.message).toContain('replayed request');
    expect(webPid()).toBe(pid);
    const replay = (await entries()).find((e) => String(e.params.reason).includes('replayed request'));
    expect(replay).toMatchObject({
      action: 'agent.restart',
      target: 'web',
      result: 'refused: AGENT_AUTH_FAILED',
    });
  });

  it('refuses a request signed too long ago, an unsigned one, and a raw Docker API call', async () => {
    const pathname = '/v1/services/web/stop';
    const stale = await raw(pathname, '{}', signed(pathname, '{}', token, Date.now() - 60_000));
    expect(stale.status).toBe(401);
    expect(stale.body.error?.message).toMatch(/^stale request: its timestamp is 6\d s behind/);
    const unsigned = await raw(pathname, '{}', {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error?.message).toContain('unsigned request');
    const docker = await raw('/containers/create', '{"Image":"x","HostConfig":{"Binds":["/:/host"]}}', {});
    expect(docker.status).toBe(401);
    const signedDocker = await raw('/containers/create', '{}', signed('/containers/create', '{}'));
    expect(signedDocker.status).toBe(404);
    expect(signedDocker.body.error?.message).toContain('only POST /v1/services/<service>/<action>');
    expect(svc(['status', 'web']).out).toMatch(/web\s+running/);
    const requests = (await entries()).filter((e) => e.action === 'agent.request');
    expect(requests.map((e) => `${e.actor} ${e.params.path} ${e.result}`)).toEqual(
      expect.arrayContaining([
        'agent:unauthenticated /containers/create refused: AGENT_AUTH_FAILED',
        'agent:client /containers/create refused: NOT_FOUND',
      ]),
    );
  });

  it('keeps no token value and no secret in its audit entries or its log', async () => {
    const all = JSON.stringify(await listAudit(store.db, { limit: 1000 }));
    expect(all).not.toContain(token);
    expect(all).not.toContain('hunter2');
    expect(agentOut).not.toContain(token);
  });

  it("sends serve's services API actions to the agent too", async () => {
    const stack = stackFrom(
      `version: 1\nruntime: { docker: { agent: { url: "unix:${socket}", token: "\${AGENT_TOKEN}" } } }\nservices:\n  web: {}\n`,
      { AGENT_TOKEN: token },
    );
    const node = await startNode({
      store: { sqlitePath: path.join(stack.dir, 'state.db') },
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      stack,
    });
    try {
      const operator = (await new TokenService(node.store).create({ name: 'op', role: 'operator' })).token;
      const before = webPid();
      const response = await fetch(new URL('/api/v1/services/web/restart', node.address), {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}` },
      });
      expect(response.status).toBe(200);
      const after = webPid();
      servers.push(after);
      expect(after).not.toBe(before);
      expect(await answer()).toBe(String(after));
      // Each side records its own entry: the node who asked, the agent what it did.
      expect((await listAudit(node.store.db, { action: 'service.restart' }))[0]).toMatchObject({
        actor: 'token:op',
        result: 'ok',
      });
      const agentSide = (await entries()).filter((e) => e.action === 'agent.restart' && e.result === 'ok');
      expect(agentSide.length).toBeGreaterThanOrEqual(3);
    } finally {
      await node.stop('test over');
    }
  });

  it('says when no agent answers at the url', () => {
    const nobody = svc(['status', 'web'], token, 'elsewhere.yaml');
    expect(nobody.code).toBe(3);
    expect(nobody.err).toContain('does not answer');
  });

  it('stops on SIGTERM and removes its socket', async () => {
    expect(svc(['stop', 'web']).code).toBe(0);
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    agent.kill('SIGTERM');
    expect(await within(exited, 'the agent to exit')).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});

describe('dayshift agent listens on loopback only', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-agent-listen-'));
  beforeAll(() => writeFileSync(path.join(dir, 'dayshift.yaml'), 'version: 1\n'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const agent = (listen: string, env: Record<string, string> = { DAYSHIFT_AGENT_TOKEN: 'a'.repeat(32) }) =>
    spawnSync(
      process.execPath,
      [CLI, 'agent', '--config', path.join(dir, 'dayshift.yaml'), '--listen', listen],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 20_000,
      },
    );

  it.each(['0.0.0.0:7979', ':7979', '192.168.1.20:7979', '[::]:7979', 'example.com:7979'])('%s', (listen) => {
    const result = agent(listen);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`the agent will not listen on ${listen}`);
    expect(result.stderr).toContain('unix:');
  });

  it('listens on a loopback port, where a driver with an http:// url reaches it', async () => {
    writeFileSync(
      path.join(dir, 'agent.yaml'),
      'version: 1\nservices:\n  up:\n    driver: { shell: { status: "true" } }\n',
    );
    const token = randomBytes(32).toString('hex');
    const child = spawn(
      process.execPath,
      [CLI, 'agent', '--config', path.join(dir, 'agent.yaml'), '--listen', '127.0.0.1:0'],
      { env: { ...process.env, DAYSHIFT_AGENT_TOKEN: token }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const url = await until(
        () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1],
        () => `the agent's url in its log: ${out}`,
      );
      writeFileSync(
        path.join(dir, 'client.yaml'),
        `version: 1\nservices:\n  up:\n    driver: { docker: { agent: { url: "${url}", token: "\${AGENT_TOKEN}" } } }\n`,
      );
      const status = spawnSync(
        process.execPath,
        [CLI, 'svc', 'status', 'up', '--json', '--config', path.join(dir, 'client.yaml')],
        { encoding: 'utf8', env: { ...process.env, AGENT_TOKEN: token }, timeout: 20_000 },
      );
      expect(status.status, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).status.state).toBe('running');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('and starts nothing without a token', () => {
    const result = agent('127.0.0.1:0', {});
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the agent needs a token');
  });
});
