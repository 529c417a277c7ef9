import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../fixtures/docker/Dockerfile', import.meta.url));
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

/** Runs the docker CLI; its stderr becomes the error message, which is what says what went wrong. */
export async function docker(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** Fails (never skips) with what to do when the Engine is not there. */
export async function requireDocker(): Promise<void> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(
      `Docker Engine is unreachable (${e.stderr?.trim() || e.message}). Start it as .ci/run does: ` +
        'dockerd --iptables=false --bridge=none --storage-driver=vfs',
    );
  }
}

/**
 * Containers and the image of one test file: everything is named with a random suffix and removed
 * by `cleanup()`, so parallel runs and leftovers of a killed run never collide.
 */
export class DockerSandbox {
  readonly id = randomBytes(5).toString('hex');
  readonly image = `dayshift-test-busybox:${this.id}`;
  readonly #containers: string[] = [];

  /** Builds the busybox image from test/fixtures/docker with the host's static busybox. */
  async build(): Promise<void> {
    const busybox = BUSYBOX.find((p) => existsSync(p));
    if (!busybox) throw new Error('no static busybox on this machine: install busybox-static (see .ci/run)');
    const context = mkdtempSync(path.join(tmpdir(), 'dayshift-docker-'));
    try {
      copyFileSync(FIXTURE, path.join(context, 'Dockerfile'));
      copyFileSync(busybox, path.join(context, 'busybox'));
      await docker('build', '-q', '-t', this.image, context);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }

  /** Starts a container of the image on the host network (loopback only; no bridge exists). */
  async start(name: string, options: string[], command: string[]): Promise<string> {
    const full = `dayshift-test-${this.id}-${name}`;
    this.#containers.push(full);
    await docker('run', '-d', '--name', full, '--network', 'host', ...options, this.image, ...command);
    return full;
  }

  async cleanup(): Promise<void> {
    if (this.#containers.length > 0) await docker('rm', '-f', ...this.#containers).catch(() => '');
    await docker('rmi', '-f', this.image).catch(() => '');
  }
}

/** A port free on 127.0.0.1 right now, for a container's server on the host network. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
