import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/** `count` consecutive ports free on 127.0.0.1 right now: replicas that each take the next free one. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count > 65_535) continue;
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(first + i)));
    if (free.every(Boolean)) return first;
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The Compose program of this machine, as the compose driver looks for it: the plugin, else docker-compose. */
async function composeCommand(): Promise<string[]> {
  try {
    await run('docker', ['compose', 'version'], { timeout: 30_000 });
    return ['docker', 'compose'];
  } catch {
    try {
      await run('docker-compose', ['version'], { timeout: 30_000 });
      return ['docker-compose'];
    } catch {
      throw new Error('Docker Compose is not installed: install docker-compose (see .ci/run)');
    }
  }
}

/**
 * A Compose project of one test file in a temp dir, under a unique project name, with the sandbox's
 * busybox image to build on (`FROM ${sandbox.image}` or `image: ${sandbox.image}`). `cleanup()` takes
 * it down with its volumes and the images it built, then removes the base image and the folder.
 */
export class ComposeSandbox {
  readonly docker = new DockerSandbox();
  readonly project = `dayshift-test-${this.docker.id}`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'dayshift-compose-'));
  #program: string[] | undefined;

  /** Builds the base image and writes `files` (paths from the project's folder) into the project. */
  async create(files: Record<string, string>): Promise<void> {
    await requireDocker();
    this.#program = await composeCommand();
    await this.docker.build();
    this.write(files);
  }

  write(files: Record<string, string>): void {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
      writeFileSync(path.join(this.dir, file), text);
    }
  }

  /** Runs Compose on the project, in its folder; its stderr becomes the error message. */
  async compose(...args: string[]): Promise<string> {
    const [file, ...prefix] = this.#program ?? (await composeCommand());
    try {
      const { stdout } = await run(file as string, [...prefix, '-p', this.project, ...args], {
        cwd: this.dir,
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout.trim();
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`compose ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
    }
  }

  /** The ids of a service's containers, running or not. */
  async ids(service: string): Promise<string[]> {
    const out = await this.compose('ps', ...(this.#program?.length === 2 ? ['-a'] : []), '-q', service);
    return out.split('\n').filter(Boolean);
  }

  async cleanup(): Promise<void> {
    await this.compose('down', '-v', '--rmi', 'local', '--remove-orphans', '-t', '1').catch(() => '');
    // `down` leaves the containers of profiles it was not given.
    const left = await docker(
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${this.project}`,
    ).catch(() => '');
    if (left) await docker('rm', '-f', '-v', ...left.split('\n')).catch(() => '');
    await this.docker.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
