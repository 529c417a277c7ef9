/**
 * Versions of a tiny web app as real registry images, for deploy tests and benchmarks: each built
 * `FROM scratch` around the host's static busybox and pushed to a `LocalRegistry`, so its repository
 * digest is a real one. No `RUN` step: the busybox applets are symlinks in the build context, which
 * keeps a build to a few seconds on the vfs storage driver. Build each version once per test file.
 *
 * The container runs `busybox httpd -f -p 127.0.0.1:$PORT -h /www` (PORT from its environment, 8080
 * without), and serves:
 * - `APP_PATHS.health` (`/cgi-bin/health`): a CGI script that answers `health` (200 `ok`, or 500);
 * - `APP_PATHS.smoke` (`/cgi-bin/smoke`): the same with `smoke`, for a smoke test that fails alone;
 * - `APP_PATHS.version` (`/version`): the version's name and a newline.
 *
 * Its Dockerfile HEALTHCHECK fetches the health path with wget every second (timeout 2 s, 2 retries,
 * start period `startPeriodS`, 5 s by default), so Docker's health follows `health`. It traps SIGTERM,
 * so a stop is quick. With `network_mode: none` it still serves and is healthy on its own loopback: a
 * worker that answers no one, and can run beside another of itself.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker, requireDocker } from './docker.js';
import type { LocalRegistry } from './registry.js';
import { until } from './wait.js';

const run = promisify(execFile);
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

/** Where the app answers, from `http://127.0.0.1:$PORT`. */
export const APP_PATHS = { health: '/cgi-bin/health', smoke: '/cgi-bin/smoke', version: '/version' } as const;

export interface AppVersion {
  /** What `/version` answers; also what makes each version's image (and digest) its own. */
  version: string;
  /** The status of the health endpoint, hence of Docker's healthcheck: 200 by default. */
  health?: 200 | 500;
  /** The status of the smoke endpoint: 200 by default. */
  smoke?: 200 | 500;
  /** The healthcheck's start period, in seconds: 5 by default. */
  startPeriodS?: number;
}

export interface BuiltApp {
  /** The tag pushed: `<registry>/<repository>:<tag>`. */
  ref: string;
  /** The repository digest the registry serves for it: `<registry>/<repository>@sha256:…`. */
  digest: string;
}

/** The local images this process built or tagged, removed by `removeApps()`. */
const made = new Set<string>();
let base: Promise<string> | undefined;

/**
 * Builds the app at `version`, tags it `<registry>/<repository>:<tag>` and pushes it. Pushing another
 * version under a tag that exists moves the tag (the old digest still pulls as itself).
 */
export async function buildApp(
  registry: LocalRegistry,
  repository: string,
  tag: string,
  version: AppVersion,
): Promise<BuiltApp> {
  const from = await baseImage();
  const context = mkdtempSync(path.join(tmpdir(), 'dayshift-app-'));
  const local = `${from.replace(/:.*$/, '')}:${version.version.replace(/[^\w.-]/g, '_')}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    mkdirSync(path.join(context, 'www', 'cgi-bin'), { recursive: true });
    writeFileSync(path.join(context, 'www', 'version'), `${version.version}\n`);
    for (const [name, status] of [
      ['health', version.health ?? 200],
      ['smoke', version.smoke ?? 200],
    ] as const) {
      const script = path.join(context, 'www', 'cgi-bin', name);
      // busybox httpd turns a CGI's `Status:` line into the response's status line.
      writeFileSync(
        script,
        status === 200
          ? `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nok\\n'\n`
          : `#!/bin/sh\nprintf 'Status: ${status} Failing on purpose\\r\\nContent-Type: text/plain\\r\\n\\r\\n${name} fails in ${version.version}\\n'\n`,
      );
      chmodSync(script, 0o755);
    }
    writeFileSync(
      path.join(context, 'Dockerfile'),
      [
        `FROM ${from}`,
        'COPY www /www',
        'ENV PORT=8080',
        `HEALTHCHECK --interval=1s --timeout=2s --retries=2 --start-period=${version.startPeriodS ?? 5}s CMD wget -q -O /dev/null "http://127.0.0.1:$PORT${APP_PATHS.health}" || exit 1`,
        `CMD ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 127.0.0.1:$PORT -h /www & wait"]`,
        '',
      ].join('\n'),
    );
    await docker('build', '-q', '-t', local, context);
    made.add(local);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  const pushed = await registry.push(local, repository, tag);
  made.add(pushed.ref);
  return { ref: pushed.ref, digest: `${registry.host}/${repository}@${pushed.digest}` };
}

/** The busybox userland every version builds on: built once per process. */
function baseImage(): Promise<string> {
  base ??= (async () => {
    await requireDocker();
    const busybox = BUSYBOX.find((p) => existsSync(p));
    if (!busybox) throw new Error('no static busybox on this machine: install busybox-static (see .ci/run)');
    const context = mkdtempSync(path.join(tmpdir(), 'dayshift-app-base-'));
    const image = `dayshift-test-app-${Math.random().toString(36).slice(2, 10)}:base`;
    try {
      mkdirSync(path.join(context, 'bin'));
      copyFileSync(busybox, path.join(context, 'bin', 'busybox'));
      const { stdout } = await run(busybox, ['--list']);
      for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox'))
        symlinkSync('busybox', path.join(context, 'bin', applet));
      writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY bin /bin\n');
      await docker('build', '-q', '-t', image, context);
      made.add(image);
      return image;
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  })();
  base.catch(() => {
    base = undefined;
  });
  return base;
}

/**
 * Removes what `buildApp` made here, and every image of `registry` this Engine has (the digests
 * deploys pulled): call it in `afterAll`, after the containers that use them are gone.
 */
export async function removeApps(registry?: LocalRegistry): Promise<void> {
  const pulled = registry
    ? (
        await docker(
          'images',
          '--digests',
          '--format',
          '{{.Repository}}@{{.Digest}} {{.Repository}}:{{.Tag}}',
        ).catch(() => '')
      )
        .split('\n')
        .flatMap((line) => line.split(' '))
        .filter(
          (ref) =>
            ref.startsWith(`${registry.host}/`) && !ref.endsWith('@<none>') && !ref.endsWith(':<none>'),
        )
    : [];
  const all = [...new Set([...pulled, ...made])];
  if (all.length > 0) await docker('rmi', '-f', ...all).catch(() => '');
  made.clear();
  base = undefined;
}

/** What the app on `port` says its version is, once it says `expected` (30 s at most). */
export async function versionOn(
  port: number,
  expected: string,
  route: string = APP_PATHS.version,
): Promise<string> {
  return until(
    async () => {
      const response = await fetch(`http://127.0.0.1:${port}${route}`).catch(() => undefined);
      const text = response?.ok ? (await response.text()).trim() : undefined;
      return text === expected ? text : undefined;
    },
    `the app on ${port} to answer ${expected}`,
    30_000,
    100,
  );
}

/** The `web` service of a test's Compose file: the app at `image`, on the host network at `port`. */
export function webService(image: string, port: number, runId: string): string {
  return `  web:
    image: ${image}
    network_mode: host
    environment: { PORT: "${port}" }
    labels: { dayshift-test-run: "${runId}" }
`;
}

/**
 * What a deploy test leaves: the containers labelled with its run (those the drivers created from
 * them too), its Compose project, the app images it built and its registry.
 */
export async function cleanUpDeployTest(
  sandbox: { docker: { id: string }; cleanup(): Promise<void> },
  registry: LocalRegistry | undefined,
): Promise<void> {
  const left = await docker('ps', '-aq', '--filter', `label=dayshift-test-run=${sandbox.docker.id}`).catch(
    () => '',
  );
  if (left) await docker('rm', '-f', ...left.split('\n')).catch(() => '');
  await sandbox.cleanup();
  await removeApps(registry);
  await registry?.stop();
}
