import type Docker from 'dockerode';
import { DayshiftError } from '../../errors.js';
import type { ActionOptions } from '../types.js';
import { type Engine, engineCall, messageOf } from './docker-engine.js';

/** `repo@sha256:<64 hex>`: an image by what it is, which no push can move. */
const PINNED = /^([^\s@]+)@(sha256:[0-9a-f]{64})$/;

/** Whether `reference` names an image by its repository digest (`repo@sha256:<64 hex>`), not a tag. */
export function isPinned(reference: string): boolean {
  return PINNED.test(reference);
}

/** Refuses what is not a repository digest: a deploy applies only what a pull pinned. */
export function requirePinned(digest: string, what: string): void {
  if (!isPinned(digest))
    throw new DayshiftError(
      'SERVICE_ACTION_FAILED',
      `${what}: \`${digest}\` is not a repository digest (repo@sha256:…)`,
      {
        hint: 'resolve a tag to its digest first (pull it): a tag may move, a digest cannot',
      },
    );
}

/** The repository of a reference: `127.0.0.1:5000/app:v2` → `127.0.0.1:5000/app` (a port is not a tag). */
export function repositoryOf(reference: string): string {
  const at = reference.indexOf('@');
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/**
 * Resolves an image reference to the repository digest it names now (`repo@sha256:…`), pulling it
 * from its registry first, so the digest is the one the registry serves and the image is on this
 * Engine before anything is stopped. A reference already pinned by digest is pulled and kept as it
 * is. A tag is never what gets deployed: it may move, the digest cannot.
 */
export async function resolveDigest(
  engine: Engine,
  reference: string,
  options: ActionOptions,
): Promise<string> {
  const cannotPull = (why: string, cause?: unknown) =>
    new DayshiftError('IMAGE_NOT_FOUND', `cannot pull ${reference}: ${why}`, {
      hint: 'check the image name and tag or digest, and that this machine can reach its registry',
      cause,
    });
  await engineCall(engine, options, `pulling ${reference}`, async (signal) => {
    const stream = (await engine.docker.pull(reference, { abortSignal: signal })) as NodeJS.ReadableStream;
    // The pull answers at once; whether it worked is in its progress stream, to its end.
    await new Promise<void>((resolve, reject) => {
      engine.docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
        const failed = events.find((e) => e.error)?.error;
        if (error) reject(cannotPull(messageOf(error), error));
        else if (failed) reject(cannotPull(failed));
        else resolve();
      });
    });
  }).catch((error: unknown) => {
    if (error instanceof DayshiftError) throw error;
    throw cannotPull(messageOf(error), error);
  });
  const pinned = PINNED.exec(reference);
  if (pinned) return reference;
  const info = await engineCall(
    engine,
    options,
    `reading ${reference}`,
    (signal) =>
      engine.docker
        .getImage(reference)
        .inspect({ abortSignal: signal } as object) as Promise<Docker.ImageInspectInfo>,
  );
  const repository = repositoryOf(reference);
  const digest = (info.RepoDigests ?? []).find((d) => repositoryOf(d) === repository);
  if (!digest)
    throw new DayshiftError('IMAGE_NOT_FOUND', `${reference} has no digest from its registry ${repository}`, {
      hint: 'an image only built here has none: push it to a registry, and deploy it from there',
    });
  return digest;
}
