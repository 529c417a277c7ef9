import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const PING_KEY = 'pk-0123456789abcdefghij';
const TOKEN = 'nightly-token-0123456789';

/** Runs curl as a cron job would, and gives its exit code, the HTTP status and what it printed. */
function curl(...args: string[]): Promise<{ code: number; status: number; body: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-sS', '-w', '\n%{http_code}', ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        const cut = stdout.lastIndexOf('\n');
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          status: Number(stdout.slice(cut + 1)),
          body: stdout.slice(0, cut),
          stderr,
        });
      },
    );
  });
}

/**
 * The Healthchecks ping API as its clients send it, with curl against a serving node: each URL form,
 * any method and content type, bodies kept (cut at 100 kB, never refused), run ids pairing overlapping
 * runs, and ping-key slug URLs.
 */
describe.each(STORE_KINDS)('the Healthchecks ping API on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let testStore: TestStore;
  let node: RunningNode;
  let base: string;
  let viewer: string;

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    const stack = stackFrom(
      `version: 1
services:
  jobs:
    checks:
      nightly: { heartbeat: { period: 1h, grace: 10m, token: "\${HB_TOKEN}", ping_key: "\${PING_KEY}" } }
      reports: { heartbeat: { period: 1h, ping_key: "\${PING_KEY}", slug: weekly-reports } }
`,
      { HB_TOKEN: TOKEN, PING_KEY },
    );
    node = await startNode({
      store: testStore.options,
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      clock,
      stack,
    });
    base = node.address;
    viewer = (await new TokenService(node.store, { clock }).create({ name: 'v', role: 'viewer' })).token;
  });
  afterAll(async () => {
    await node?.stop('test over');
    await testStore?.destroy();
  });

  const details = async (id: string) => {
    const response = await fetch(`${base}/api/v1/checks/${id}`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    return (await response.json()) as {
      check: { state: string; reason: string | null };
      heartbeat: { slug?: string; pings: Array<Record<string, unknown>> };
    };
  };
  const lastPing = async (id = 'jobs.nightly') => (await details(id)).heartbeat.pings[0];
  const url = `/ping/${TOKEN}`;

  it('takes curl -fsS -m 10 --retry 5 URL, a HEAD, and URL/$? with 0 as a success', async () => {
    const get = await curl('-f', '-m', '10', '--retry', '5', `${base}${url}`);
    expect(get).toMatchObject({ code: 0, status: 200, body: 'OK\n' });
    expect(await lastPing()).toMatchObject({ kind: 'success', method: 'GET', body: '', exitStatus: null });

    const head = await curl('-f', '-I', `${base}${url}`);
    expect(head.code).toBe(0);
    expect(head.body).toMatch(/^ping-body-limit: 100000\r?$/im);
    expect(await lastPing()).toMatchObject({ kind: 'success', method: 'HEAD' });

    const zero = await curl('-f', `${base}${url}/0`);
    expect(zero.status).toBe(200);
    expect(await lastPing()).toMatchObject({ kind: 'success', exitStatus: 0 });
    expect((await details('jobs.nightly')).check.state).toBe('healthy');
  });

  it('takes a non-zero exit status as a failure at once, with the output posted by --data-raw', async () => {
    const output = 'pg_dump: error: connection to server failed\nexit 3';
    const failed = await curl('-f', '-m', '10', '--data-raw', output, `${base}${url}/3`);
    expect(failed.status).toBe(200);
    expect(await lastPing()).toMatchObject({ kind: 'fail', exitStatus: 3, method: 'POST', body: output });
    const { check } = await details('jobs.nightly');
    expect(check.state).toBe('unhealthy');
    expect(check.reason).toBe(`the job failed with exit status 3, 1s ago: ${output}`);

    const ok = await curl('-f', '--data-raw', 'all good', `${base}${url}/0`);
    expect(ok.status).toBe(200);
    expect((await details('jobs.nightly')).check.state).toBe('healthy');
  });

  it('takes any content type: form-urlencoded, octet-stream, JSON that does not parse, none at all', async () => {
    const forms: Array<[string[], string]> = [
      [['--data-raw', 'a=1&b=2'], 'a=1&b=2'],
      [['--data-binary', 'raw bytes', '-H', 'Content-Type: application/octet-stream'], 'raw bytes'],
      [['--data-raw', '{not json', '-H', 'Content-Type: application/json'], '{not json'],
      [['--data-raw', 'no type', '-H', 'Content-Type:'], 'no type'],
      [['--data-raw', 'odd type', '-H', 'Content-Type: text/x-cron; charset=latin1'], 'odd type'],
    ];
    for (const [args, body] of forms) {
      const response = await curl('-f', ...args, `${base}${url}/log`);
      expect(response.status, `${args.join(' ')}: ${response.body}`).toBe(200);
      expect(await lastPing()).toMatchObject({ kind: 'log', body });
    }
    // A log ping changes nothing but the log.
    expect((await details('jobs.nightly')).check.state).toBe('healthy');
  });

  it('keeps the first 100 kB of a larger body and never refuses it; secrets in a body are redacted', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dayshift-ping-')), 'output.txt');
    writeFileSync(file, `${'x'.repeat(99_990)}0123456789${'y'.repeat(2_000_000)}`);
    const big = await curl('-f', '--data-binary', `@${file}`, `${base}${url}/log`);
    expect(big.status).toBe(200);
    const ping = await lastPing();
    expect(ping?.bodyBytes).toBe(2_100_000);
    expect(String(ping?.body)).toHaveLength(100_000);
    expect(String(ping?.body).endsWith('0123456789')).toBe(true);

    await curl('-f', '--data-raw', `the ping key is ${PING_KEY}`, `${base}${url}/log`);
    expect((await lastPing())?.body).toBe('the ping key is [redacted]');
  });

  it("follows runitor's sequence: POST /start, then POST /<exit code> with the output, paired by rid", async () => {
    const rid = randomUUID();
    const text = ['-H', 'Content-Type: text/plain', '-X', 'POST'];
    expect((await curl('-f', ...text, `${base}${url}/start?rid=${rid}`)).status).toBe(200);
    clock.advance(4_000);
    const done = await curl('-f', ...text, '--data-raw', 'backed up 12 tables', `${base}${url}/0?rid=${rid}`);
    expect(done.status).toBe(200);
    expect(await lastPing()).toMatchObject({
      kind: 'success',
      rid,
      durationMs: 4_000,
      body: 'backed up 12 tables',
    });
    const { check } = await details('jobs.nightly');
    expect(check.state).toBe('healthy');
  });

  it('pairs each finish with its own start when runs overlap, and a finish with no start has no duration', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await curl('-f', `${base}${url}/start?rid=${a}`);
    clock.advance(1_000);
    await curl('-f', `${base}${url}/start?rid=${b}`);
    clock.advance(2_000);
    await curl('-f', `${base}${url}?rid=${a}`);
    expect(await lastPing()).toMatchObject({ rid: a, durationMs: 3_000 });
    clock.advance(3_000);
    await curl('-f', `${base}${url}/fail?rid=${b}`);
    expect(await lastPing()).toMatchObject({ kind: 'fail', rid: b, durationMs: 5_000 });
    // Its start was paired already: this finish has none of its own.
    await curl('-f', `${base}${url}?rid=${a}`);
    expect(await lastPing()).toMatchObject({ rid: a, durationMs: null });
    await curl('-f', `${base}${url}`);
    expect(await lastPing()).toMatchObject({ rid: null, durationMs: null });
  });

  it('refuses a run id that is not a UUID and an exit status above 255, as Healthchecks does', async () => {
    const rid = await curl(`${base}${url}?rid=run-1`);
    expect(rid.status).toBe(400);
    expect(JSON.parse(rid.body).error.message).toBe('the run id (?rid=) must be a UUID');
    const status = await curl(`${base}${url}/256`);
    expect(status.status).toBe(400);
    expect((await curl(`${base}${url}/nope`)).status).toBe(404);
    expect((await curl(`${base}${url}/start/again`)).status).toBe(404);
  });

  it('answers /ping/<ping-key>/<slug>, and create=0|1 on an unknown slug with a 404 that says why', async () => {
    expect((await curl('-f', `${base}/ping/${PING_KEY}/nightly/start`)).status).toBe(200);
    expect(await lastPing()).toMatchObject({ kind: 'start' });
    const weekly = await curl(
      '-f',
      '--data-raw',
      'sent 40 reports',
      `${base}/ping/${PING_KEY}/weekly-reports/0`,
    );
    expect(weekly.status).toBe(200);
    expect((await details('jobs.reports')).heartbeat).toMatchObject({
      slug: '/ping/<ping-key>/weekly-reports',
      pings: [{ kind: 'success', body: 'sent 40 reports' }],
    });

    const unknown = await curl(`${base}/ping/${PING_KEY}/other?create=0`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.message).toBe('no heartbeat check has this URL');
    const create = await curl(`${base}/ping/${PING_KEY}/other?create=1`);
    expect(create.status).toBe(404);
    expect(JSON.parse(create.body).error).toMatchObject({
      message: 'no heartbeat check has the slug "other", and ?create=1 cannot make one',
      hint: expect.stringContaining('dayshift.yaml'),
    });
    expect((await curl(`${base}/ping/${PING_KEY}/Nightly`)).status).toBe(400);
    expect((await curl(`${base}/ping/not-the-key-0123456789/nightly`)).status).toBe(404);
  });
});
