import { createHash } from 'node:crypto';
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
  console.log('relay token ' + process.env.RELAY_TOKEN);
});
process.on('SIGTERM', () => process.exit(0));
`;

/** A secret of the stack file, which the service writes to its log. */
const CANARY = 'canary-api-relay-52e8';

let node: RunningNode;
let dir: string;
const token = { viewer: '', operator: '', admin: '' };
const groups: number[] = [];

beforeAll(async () => {
  const stack = stackFrom(
    `version: 1
notifiers:
  ops: { ntfy: { topic: ops, token: "\${RELAY_TOKEN}" } }
services:
  web:
    driver:
      shell:
        start: 'RELAY_TOKEN="\${RELAY_TOKEN}" "${process.execPath}" server.cjs &'
        pidfile: web.pid
        log_file: web.log
        env: "printf 'MODE=prod\\nAPI_TOKEN=canary-api-9d1e\\n'"
  db:
    driver: none
  broken:
    driver: { shell: { restart: "echo cannot restart; exit 5", log_file: broken.log } }
  far:
    driver: { docker: { container: far, socket: /nonexistent/docker.sock } }
`,
    { RELAY_TOKEN: CANARY },
  );
  dir = stack.dir;
  writeFileSync(path.join(dir, 'server.cjs'), SERVER);
  writeFileSync(path.join(dir, 'broken.log'), 'queue full, giving up\n');
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
  it('lists each service with its driver, what it supports and its status, one that does not answer too', async () => {
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
      {
        name: 'broken',
        driver: 'shell',
        supports: ['restart', 'logs'],
        status: { state: 'unknown', detail: expect.stringContaining('has no command for `status`') },
      },
      // Its Engine does not answer: that service is unknown, saying why, and the list still comes.
      {
        name: 'far',
        driver: 'docker',
        supports: ['status', 'restart', 'stop', 'start', 'logs', 'env'],
        status: {
          state: 'unknown',
          detail: expect.stringMatching(
            /^DOCKER_UNREACHABLE: the Docker Engine at \/nonexistent\/docker\.sock does not answer/,
          ),
        },
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
    const logs = await call('GET', '/services/web/logs?tail=2', 'operator');
    expect(logs.body.logs.text).toBe('listening\nrelay token [redacted]');
    expect((await call('GET', '/services/web/env', 'operator')).status).toBe(403);
    const env = await call('GET', '/services/web/env', 'admin');
    expect(env.status).toBe(200);
    expect(env.body.env).toEqual([
      { name: 'MODE', value: 'prod', masked: false },
      { name: 'API_TOKEN', value: '[masked]', masked: true },
    ]);
    expect(JSON.stringify(env.body)).not.toContain('canary-api-9d1e');
  });

  it('restarts it as a run: the answer names the run, which keeps the logs written before the restart', async () => {
    const restart = await call('POST', '/services/web/restart', 'operator');
    expect(restart.status).toBe(200);
    expect(restart.body).toMatchObject({
      service: 'web',
      action: 'restart',
      runId: expect.any(Number),
      result: { detail: expect.stringMatching(/running as pid \d+/) },
      logsBeforeActing: { kept: true, evidence: { kind: 'log', name: 'logs of web before restart' } },
    });
    const { runId } = restart.body;
    const pid = Number(readFileSync(path.join(dir, 'web.pid'), 'utf8'));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    groups.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]));

    const run = await call('GET', `/services/web/runs/${runId}`, 'viewer');
    expect(run.body.run).toMatchObject({ kind: 'service', name: 'web', trigger: 'api', status: 'succeeded' });
    expect(run.body.run.steps).toEqual([
      expect.objectContaining({
        name: 'restart',
        outcome: 'pass',
        result: expect.objectContaining({ logs: expect.stringMatching(/^logs kept/) }),
      }),
    ]);
    expect(
      (await call('GET', '/services/web/runs', 'viewer')).body.runs.map((r: { id: number }) => r.id),
    ).toContain(runId);
    const evidence = await call('GET', `/services/web/runs/${runId}/evidence`, 'viewer');
    expect(evidence.body.evidence).toEqual([
      expect.objectContaining({ step: 1, kind: 'log', name: 'logs of web before restart', truncated: false }),
    ]);
    const itemUrl = `/services/web/runs/${runId}/evidence/${evidence.body.evidence[0].id}`;
    // The content is the service's own logs: an operator's to read, like GET /services/:name/logs.
    expect((await call('GET', itemUrl, 'viewer')).status).toBe(403);
    const item = await call('GET', itemUrl, 'operator');
    expect(item.body.evidence.content).toContain('listening');
    expect(item.body.evidence.content).toContain('relay token [redacted]');
    expect(item.body.evidence.sha256).toBe(
      createHash('sha256').update(item.body.evidence.content).digest('hex'),
    );
    expect((await call('GET', `/services/db/runs/${runId}`, 'viewer')).status).toBe(404);

    const audit = await call('GET', '/audit?action=service.restart&target=web', 'admin');
    expect(audit.body.entries[0]).toMatchObject({ actor: 'token:operator', result: 'ok', runId });
    for (const answer of [restart, run, evidence, item, audit])
      expect(JSON.stringify(answer.body)).not.toContain(CANARY);
    expect(readFileSync(path.join(dir, 'web.log'), 'utf8')).toContain(CANARY);
  });

  it('records a restart that fails as a failed run, which its audit entry names', async () => {
    const failed = await call('POST', '/services/broken/restart', 'operator');
    expect(failed.status).toBe(502);
    expect(failed.body.error.message).toContain('restart of service `broken` failed');
    const audit = await call('GET', '/audit?action=service.restart&target=broken', 'admin');
    const entry = audit.body.entries[0];
    expect(entry).toMatchObject({ result: expect.stringMatching(/^failed: /), runId: expect.any(Number) });
    expect(failed.body.error.hint).toBe(
      `cannot restart\nrun ${entry.runId} records it: GET /api/v1/services/broken/runs/${entry.runId}`,
    );
    const run = await call('GET', `/services/broken/runs/${entry.runId}`, 'viewer');
    expect(run.body.run).toMatchObject({ status: 'failed', trigger: 'api' });
    const [kept] = (await call('GET', `/services/broken/runs/${entry.runId}/evidence`, 'viewer')).body
      .evidence;
    const item = await call('GET', `/services/broken/runs/${entry.runId}/evidence/${kept.id}`, 'operator');
    expect(item.body.evidence.content).toBe('queue full, giving up');
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
