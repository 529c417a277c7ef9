import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { docker, freePort } from './docker.js';
import { until } from './wait.js';

/**
 * A real container registry on 127.0.0.1 (Debian's docker-registry, the CNCF distribution registry),
 * storing in a temporary folder: images pushed there get real repository digests. The Engine treats
 * 127.0.0.0/8 registries as insecure-allowed, so no TLS is needed. Fails (never skips) when the
 * program is missing, saying how to install it.
 */
export class LocalRegistry {
  readonly host: string;
  readonly #dir: string;
  readonly #child: ChildProcess;

  private constructor(host: string, dir: string, child: ChildProcess) {
    this.host = host;
    this.#dir = dir;
    this.#child = child;
  }

  static async start(): Promise<LocalRegistry> {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-registry-'));
    const config = path.join(dir, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1\nlog: { level: error }\nstorage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} }, delete: { enabled: true } }\nhttp: { addr: 127.0.0.1:${port} }\n`,
    );
    const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
    });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(
          new Error(
            `docker-registry cannot start (${error.message}): install it as .ci/run does (apt-get install docker-registry)`,
          ),
        ),
      );
    });
    const host = `127.0.0.1:${port}`;
    await Promise.race([
      failed,
      until(
        async () => ((await fetch(`http://${host}/v2/`).catch(() => undefined))?.ok ? true : undefined),
        () => `the registry on ${host} to answer: ${said}`,
      ),
    ]);
    return new LocalRegistry(host, dir, child);
  }

  /** Tags a local image as `<host>/<repository>:<tag>`, pushes it, and gives the registry's digest of it. */
  async push(image: string, repository: string, tag: string): Promise<{ ref: string; digest: string }> {
    const ref = `${this.host}/${repository}:${tag}`;
    await docker('tag', image, ref);
    await docker('push', '-q', ref);
    return { ref, digest: await this.digestOf(repository, tag) };
  }

  /** What the registry itself says a tag is now: its manifest's digest. */
  async digestOf(repository: string, tag: string): Promise<string> {
    const response = await fetch(`http://${this.host}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    const digest = response.headers.get('docker-content-digest');
    if (!response.ok || !digest)
      throw new Error(`the registry has no ${repository}:${tag} (${response.status})`);
    return digest;
  }

  async stop(): Promise<void> {
    this.#child.kill('SIGTERM');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
