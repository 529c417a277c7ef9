/**
 * Pinning an image by digest against a real registry on 127.0.0.1: a tag resolves to the digest the
 * registry serves for it now, after the image is pulled; a tag moved by a later push resolves to the
 * new digest while the old digest still pulls as itself; a tag the registry lacks and an image only
 * built here are refused with what to do.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/drivers/shared/docker-engine.js';
import { repositoryOf, resolveDigest } from '../../src/drivers/shared/image-digest.js';
import { DayshiftError } from '../../src/errors.js';
import { DockerSandbox, docker, requireDocker } from '../helpers/docker.js';
import { LocalRegistry } from '../helpers/registry.js';

const options = { timeoutMs: 60_000 };
let registry: LocalRegistry;
const sandbox = new DockerSandbox();
const pushed: string[] = [];

beforeAll(async () => {
  await requireDocker();
  registry = await LocalRegistry.start();
  await sandbox.build();
}, 120_000);
afterAll(async () => {
  if (pushed.length > 0) await docker('rmi', '-f', ...pushed).catch(() => '');
  await sandbox.cleanup();
  await registry?.stop();
});

/** Builds `tag` from a Dockerfile given on stdin (no context needed); gives the image id. */
function buildFrom(tag: string, dockerfile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['build', '-q', '-t', tag, '-']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`docker build exited ${code}`)),
    );
    child.stdin.end(dockerfile);
  });
}

describe('an image reference pinned by digest', () => {
  it('reads the repository of a reference, a registry port not taken for a tag', () => {
    expect(repositoryOf('127.0.0.1:5000/app:v2')).toBe('127.0.0.1:5000/app');
    expect(repositoryOf('127.0.0.1:5000/app')).toBe('127.0.0.1:5000/app');
    expect(repositoryOf(`app@sha256:${'a'.repeat(64)}`)).toBe('app');
  });

  it('is the digest the registry serves for the tag now, and follows the tag when it moves', async () => {
    const engine = await openEngine(undefined);
    const v1 = await registry.push(sandbox.image, 'shop/web', 'stable');
    pushed.push(v1.ref);
    const first = await resolveDigest(engine, v1.ref, options);
    expect(first).toBe(`${registry.host}/shop/web@${v1.digest}`);

    // Another image pushed under the same tag: the tag now names another digest.
    const next = `${sandbox.image}-next`;
    const built = await buildFrom(next, `FROM ${sandbox.image}\nRUN echo v2 > /www/version\n`);
    expect(built).toMatch(/^sha256:/);
    pushed.push(next);
    const v2 = await registry.push(next, 'shop/web', 'stable');
    expect(v2.digest).not.toBe(v1.digest);
    const second = await resolveDigest(engine, v2.ref, options);
    expect(second).toBe(`${registry.host}/shop/web@${v2.digest}`);
    // The old digest still names the old image, whatever the tag says now.
    expect(await resolveDigest(engine, first, options)).toBe(first);
  });

  it('refuses a tag the registry does not have, and an image built here that no registry served', async () => {
    const engine = await openEngine(undefined);
    const missing = await resolveDigest(engine, `${registry.host}/shop/web:nope`, options).catch((e) => e);
    expect(missing).toBeInstanceOf(DayshiftError);
    expect(missing.code).toBe('IMAGE_NOT_FOUND');
    expect(missing.message).toContain(`cannot pull ${registry.host}/shop/web:nope`);
    const local = await resolveDigest(engine, sandbox.image, options).catch((e) => e);
    expect(local.code).toBe('IMAGE_NOT_FOUND');
  });
});
