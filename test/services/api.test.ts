import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { groupMembers } from '../../src/drivers/shared/pids.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';

/**
 * The services API on a running node: a shell-driven service started, read and stopped through HTTP
 * in the node's process; logs for an operator, the masked environment for an admin only; the codes of
 * an unknown service and an action its driver lacks.
 */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync('web.pid', String(process.pid));
  console.log('listening');
});
process.on('SIGTERM', () => process.exit(0));
`;

let node: RunningNode;
let dir: string;
const token = { viewer: '', operator: '', admin: '' };
const groups: number[] = [];

beforeAll(async () => {
  const stack = stackFrom(`version: 1
services:
  web:
    driver:
      shell:
        start: '"${process.execPath}" server.cjs &'
        pidfile: web.pid
        log_file: web.log
        env: "printf 'MODE=prod\\nAPI_TOKEN=canary-api-9d1e\\n'"
  db:
    driver: none
`);
  dir = stack.dir;
  writeFileSync(path.join(dir, 'server.cjs'), SERVER);
  node = await startNode({
    store: { sqlitePath: path.join(dir, 'state.db') },
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    clock: new ManualClock(Date.UTC(2026, 5, 1)),
    stack,
  });
  const tokens = new TokenService(node.store, { clock: new ManualClock(Date.UTC(2026, 5, 1)) });
  for (const role of ['viewer', 'operator', 'admin'] as const)
    token[role] = (await tokens.create({ name: role, role })).token;
});
afterAll(async () => {
  for (const g of groups) for (const pid of groupMembers(g)) process.kill(pid, 'SIGKILL');
  await node?.stop('test over');
});

async function call(method: string, route: string, role: keyof typeof token, body?: unknown) {
  const response = await fetch(new URL(`/api/v1${route}`, node.address), {
    method,
    headers: {
      authorization: `Bearer ${token[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('/api/v1/services', () => {
  it('lists each service with its driver, what it supports and its status', async () => {
    const { status, body } = await call('GET', '/services', 'viewer');
    expect(status).toBe(200);
    expect(body.services).toEqual([
      {
        name: 'web',
        driver: 'shell',
        supports: ['status', 'restart', 'stop', 'start', 'logs', 'env'],
        status: { state: 'stopped', detail: 'no pid in web.pid' },
      },
      {
        name: 'db',
        driver: 'none',
        supports: [],
        status: { state: 'unknown', detail: expect.stringContaining('has no driver') },
      },
    ]);
  });

  it('starts the service for an operator, in the node, and reports it running', async () => {
    expect((await call('POST', '/services/web/start', 'viewer')).status).toBe(403);
    const started = await call('POST', '/services/web/start', 'operator');
    expect(started.status).toBe(200);
    expect(started.body.result.detail).toMatch(/running as pid \d+/);
    const { body } = await call('GET', '/services/web', 'viewer');
    expect(body.service.status.state).toBe('running');
    const pid = body.service.status.pid as number;
    expect(Number(readFileSync(path.join(dir, 'web.pid'), 'utf8'))).toBe(pid);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    groups.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]));
  });

  it('gives logs to an operator and the masked environment to an admin only', async () => {
    expect((await call('GET', '/services/web/logs', 'viewer')).status).toBe(403);
    const logs = await call('GET', '/services/web/logs?tail=1', 'operator');
    expect(logs.body.logs.text).toBe('listening');
    expect((await call('GET', '/services/web/env', 'operator')).status).toBe(403);
    const env = await call('GET', '/services/web/env', 'admin');
    expect(env.status).toBe(200);
    expect(env.body.env).toEqual([
      { name: 'MODE', value: 'prod', masked: false },
      { name: 'API_TOKEN', value: '[masked]', masked: true },
    ]);
    expect(JSON.stringify(env.body)).not.toContain('canary-api-9d1e');
  });

  it('stops it', async () => {
    expect((await call('POST', '/services/web/stop', 'operator')).status).toBe(200);
    expect((await call('GET', '/services/web', 'viewer')).body.service.status.state).toBe('stopped');
  });

  it('answers 404 for an unknown service and 400 for an action its driver lacks', async () => {
    const unknown = await call('GET', '/services/wbe', 'viewer');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('SERVICE_NOT_FOUND');
    const scale = await call('POST', '/services/web/scale', 'operator', { replicas: 2 });
    expect(scale.status).toBe(400);
    expect(scale.body.error.code).toBe('ACTION_UNSUPPORTED');
    const none = await call('POST', '/services/db/restart', 'operator');
    expect(none.body.error.message).toBe(
      'service `db` has no driver, so Dayshift cannot act on it (`restart`)',
    );
  });
});
