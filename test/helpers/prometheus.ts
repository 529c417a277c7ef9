import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './docker.js';
import { until } from './wait.js';

/** One series of an instant query's answer: its labels and its value as Prometheus parsed it. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** An instant query through the HTTP API; the series it returns. */
  query(promql: string): Promise<PromSample[]>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian's `prometheus` package; `.ci/run` installs it) scraping one target every
 * second, with its storage in a temp directory, listening on loopback. Fails when the binary is
 * missing: a scrape test that skips has not passed. Resolves once Prometheus says it is ready.
 */
export async function startPrometheus(target: {
  address: string;
  bearerToken?: string;
}): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-prometheus-'));
  const tokenFile = path.join(dir, 'token');
  const auth = target.bearerToken
    ? `    authorization: { type: Bearer, credentials_file: ${JSON.stringify(tokenFile)} }\n`
    : '';
  if (target.bearerToken) writeFileSync(tokenFile, target.bearerToken, { mode: 0o600 });
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: dayshift
${auth}    static_configs: [ { targets: [ ${JSON.stringify(new URL(target.address).host)} ] } ]
`,
  );
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log = (log + chunk).slice(-4_000);
  });
  const ended = new Promise<string>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ENOENT'
          ? 'prometheus is not installed: .ci/run installs Debian’s prometheus package'
          : error.message,
      ),
    );
    child.once('exit', (code, signal) => resolve(`prometheus exited (${code ?? signal}); its log:\n${log}`));
  });
  let exited: string | undefined;
  void ended.then((why) => {
    exited = why;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await ended;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await until(
      async () => {
        if (exited !== undefined) throw new Error(exited);
        const ready = await fetch(`${url}/-/ready`).catch(() => undefined);
        return ready?.ok ? true : undefined;
      },
      () => `Prometheus to be ready; its log:\n${log}`,
      60_000,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    stop,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
      return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
