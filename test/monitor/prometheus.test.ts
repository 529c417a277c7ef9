import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { makeCert } from '../helpers/certs.js';
import { freePort } from '../helpers/docker.js';
import { type RunningPrometheus, startPrometheus } from '../helpers/prometheus.js';
import { stackFrom } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

/**
 * A real node on the real clock, with checks that see a certificate (http over https, tls, cert_file),
 * a PostgreSQL check with named values and a heartbeat, scraped as Prometheus reads it: by promtool,
 * and by a real Prometheus whose HTTP API gives the series back.
 */
describe('/metrics as Prometheus reads it', () => {
  const ca = makeCert({ cn: 'Dayshift Test CA', days: 365, isCa: true });
  const cert = makeCert({ cn: 'localhost', days: 30, ca });
  const notAfter = Date.parse(new X509Certificate(cert.cert).validTo) / 1000;
  let https: Server;
  let node: RunningNode | undefined;
  let prometheus: RunningPrometheus | undefined;
  let viewer: string;

  const stackYaml = (port: number, withTls: boolean) => `version: 1
server: { metrics: { public: false } }
services:
  web:
    checks:
      health:
        http: { url: "https://localhost:${port}/health", tls: { ca: ${JSON.stringify(ca.certFile)} } }
        every: 1s
      ${withTls ? `tls: { tls: { host: 127.0.0.1, port: ${port}, servername: localhost, ca: ${JSON.stringify(ca.certFile)} }, every: 1s }` : ''}
      file: { cert_file: { paths: [${JSON.stringify(cert.certFile)}] }, every: 1s }
      down: { http: { url: "http://127.0.0.1:${closedPort}/" }, every: 1s }
  db:
    checks:
      ready: { postgres: { url: "postgres://postgres@127.0.0.1:5432/postgres" }, every: 1s }
  jobs:
    checks:
      nightly: { heartbeat: { period: 1d, token: "nightly-token-0123456789" } }
`;

  const start = async (port: number, withTls: boolean, dir: string) => {
    const stack = stackFrom(stackYaml(port, withTls));
    const started = await startNode({
      store: { sqlitePath: path.join(dir, 'state.db') },
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      metricsPublic: false,
      stack,
    });
    const name = `prometheus-${withTls ? 'a' : 'b'}`;
    viewer = (await new TokenService(started.store).create({ name, role: 'viewer' })).token;
    return started;
  };
  const scrape = async () => {
    const response = await fetch(`${node?.address}/metrics`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(response.status).toBe(200);
    return response.text();
  };
  /** The value of the one line with exactly this name and these labels. */
  const valueIn = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  let port: number;
  let closedPort: number;
  let dir: string;
  beforeAll(async () => {
    closedPort = await freePort();
    https = createServer({ cert: cert.cert, key: cert.key }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    port = (https.address() as AddressInfo).port;
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-prometheus-node-'));
    node = await start(port, true, dir);
    // Every check has run once, and the heartbeat's job has reported.
    expect((await fetch(`${node.address}/ping/nightly-token-0123456789`)).status).toBe(200);
    await until(async () => {
      const text = await scrape();
      const down = text.includes('dayshift_check_up{service="web",check="down",kind="http"} 0\n');
      return down &&
        ['health', 'tls', 'file', 'ready'].every((check) =>
          new RegExp(
            `^dayshift_check_state\\{service="\\w+",check="${check}",kind="\\w+",state="healthy"\\} 1$`,
            'm',
          ).test(text),
        )
        ? true
        : undefined;
    }, 'every check to be healthy in /metrics');
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    await node?.stop('test over');
    await new Promise((resolve) => https?.close(resolve));
  });

  it('exports what the checks saw in base units, and promtool finds nothing to say with certificates present', async () => {
    const text = await scrape();
    const labels = (service: string, check: string, kind: string) =>
      `service="${service}",check="${check}",kind="${kind}"`;
    const web = labels('web', 'health', 'http');
    // The certificate's notAfter itself, from each kind that sees one.
    for (const l of [web, labels('web', 'tls', 'tls'), labels('web', 'file', 'cert_file')])
      expect(valueIn(text, `dayshift_check_cert_expiry_timestamp_seconds{${l}}`)).toBe(notAfter);
    expect(text).not.toContain('_days');
    expect(valueIn(text, `dayshift_check_http_status_code{${web}}`)).toBe(200);
    const phases = ['resolve', 'connect', 'tls', 'processing', 'transfer'].map((phase) =>
      valueIn(text, `dayshift_check_http_duration_seconds{${web},phase="${phase}"}`),
    );
    for (const seconds of phases) expect(seconds).toBeGreaterThanOrEqual(0);
    const pct = valueIn(
      text,
      `dayshift_check_value{${labels('db', 'ready', 'postgres')},name="connections_pct"}`,
    );
    expect(pct).toBeGreaterThan(0);
    expect(pct).toBeLessThanOrEqual(100);
    expect(valueIn(text, `dayshift_check_value{${labels('web', 'tls', 'tls')},name="chain_valid"}`)).toBe(1);
    expect(valueIn(text, `dayshift_check_failures_total{${web}}`)).toBe(0);
    // A request that got no answer: status 0 and every phase still there, and a failure counted.
    const down = labels('web', 'down', 'http');
    expect(valueIn(text, `dayshift_check_http_status_code{${down}}`)).toBe(0);
    expect(valueIn(text, `dayshift_check_http_duration_seconds{${down},phase="transfer"}`)).toBe(0);
    expect(valueIn(text, `dayshift_check_failures_total{${down}}`)).toBeGreaterThanOrEqual(1);
    const pinged = valueIn(
      text,
      'dayshift_heartbeat_last_ping_timestamp_seconds{service="jobs",check="nightly"}',
    );
    expect(pinged).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(pinged).toBeLessThanOrEqual(Date.now() / 1000);
    expect(valueIn(text, 'dayshift_check_schedule_lag_seconds_count')).toBeGreaterThan(0);

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error, 'promtool must be installed (see .ci/run)').toBeUndefined();
    expect(promtool.stdout + promtool.stderr).toBe('');
    expect(promtool.status).toBe(0);
  });

  it('documents every family it exports in api.md, with its type', async () => {
    const text = await scrape();
    const documented = readFileSync('docs/api.md', 'utf8').split('## Metrics')[1] ?? '';
    const undocumented = [...text.matchAll(/^# TYPE (dayshift_\w+) (\w+)$/gm)]
      .filter(([, name, type]) => !new RegExp(`\`${name}\`[^|]*\\| ${type} \\|`).test(documented))
      .map(([, name, type]) => `${name} (${type})`);
    expect(undocumented).toEqual([]);
  });

  it('is scraped by a real Prometheus with a viewer token, which gives the series back', async () => {
    if (!node) throw new Error('the node did not start');
    prometheus = await startPrometheus({ address: node.address, bearerToken: viewer });
    const p = prometheus;
    const healthy = await until(
      async () => {
        const [sample] = await p.query('dayshift_check_state{service="web",check="health",state="healthy"}');
        return sample;
      },
      'Prometheus to have scraped the check state',
      60_000,
      250,
    );
    expect(healthy.value).toBe(1);
    expect(healthy.metric).toMatchObject({ job: 'dayshift', kind: 'http' });
    const [expiry] = await p.query('dayshift_check_cert_expiry_timestamp_seconds{check="health"}');
    expect(expiry?.value).toBe(notAfter);
    // The current state is the one series at 1 among the check's states.
    const states = await p.query('sum by (check) (dayshift_check_state{service="web",check="health"})');
    expect(states[0]?.value).toBe(1);
    const phases = await p.query('count(dayshift_check_http_duration_seconds{check="health"})');
    expect(phases[0]?.value).toBe(5);
  });

  it('drops every series of a check removed from the stack file', async () => {
    expect(await scrape()).toMatch(/check="tls"/);
    await node?.stop('stack file changed');
    node = undefined;
    node = await start(port, false, dir);
    const text = await scrape();
    expect(text).toMatch(
      /^dayshift_check_state\{service="web",check="health",kind="http",state="healthy"\} 1$/m,
    );
    expect(text).not.toMatch(/check="tls"/);
  });
});
