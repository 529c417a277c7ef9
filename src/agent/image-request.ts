import type { AgentImageOp } from '../drivers/shared/agent-client.js';
import { isPinned, repositoryOf } from '../drivers/shared/image-digest.js';
import { DayshiftError } from '../errors.js';

/** What a signed image operation may ask: a timeout, and the reference, digest or repository it is about. */
export interface AgentImageBody {
  timeoutMs?: number;
  reference?: string;
  digest?: string;
  repository?: string;
  keep?: string[];
}

/**
 * How long each image operation may take at most, whatever the caller asks: reading what runs is
 * quick, a pull or an apply (a new container up, the old one stopped) may take long on a slow link.
 */
export const IMAGE_TIMEOUT_MS: Readonly<Record<AgentImageOp, number>> = {
  running: 60_000,
  'side-by-side': 60_000,
  pull: 1_800_000,
  apply: 1_800_000,
  prune: 600_000,
};

/** The keys each operation takes besides `timeoutMs`, all of them required. */
const KEYS: Readonly<Record<AgentImageOp, readonly (keyof AgentImageBody)[]>> = {
  running: [],
  'side-by-side': [],
  pull: ['reference'],
  apply: ['digest'],
  prune: ['repository', 'keep'],
};

/** A registry, a path and a tag or digest: no space, no control character, no option's leading dash. */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,511}$/;
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,511}$/;
const MAX_KEEP = 1_000;
/** The longest timeout a body may carry, as for the actions (request-body.ts). */
const MAX_TIMEOUT_MS = 1_800_000;

/**
 * The body of an image operation: `timeoutMs` (bounded like an action's) and the operation's own
 * strings, each checked for what it must be (a digest is `repo@sha256:<64 hex>`). Another key, a
 * missing one, or a value of another shape is refused with BAD_REQUEST before the driver sees it.
 */
export function imageRequestOf(op: AgentImageOp, body: Buffer): AgentImageBody {
  let parsed: unknown = {};
  if (body.length > 0)
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new DayshiftError('BAD_REQUEST', 'the request body is not JSON', { cause: error });
    }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new DayshiftError('BAD_REQUEST', 'the request body must be a JSON object');
  const takes = ['timeoutMs', ...KEYS[op]];
  const out: AgentImageBody = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!takes.includes(key))
      throw new DayshiftError(
        'BAD_REQUEST',
        `the request body of images/${op} has \`${key.slice(0, 50)}\`, which it does not take`,
        { hint: `it takes: ${takes.join(', ')}` },
      );
    if (value === null || value === undefined) continue;
    switch (key) {
      case 'timeoutMs':
        if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_TIMEOUT_MS)
          throw new DayshiftError(
            'BAD_REQUEST',
            `timeoutMs must be a whole number from 1 to ${MAX_TIMEOUT_MS}`,
          );
        // A caller's longer timeout is its own bound; the operation's is the agent's.
        out.timeoutMs = Math.min(value as number, IMAGE_TIMEOUT_MS[op]);
        break;
      case 'reference':
        out.reference = checked(
          key,
          value,
          REFERENCE,
          'an image reference (registry/repository:tag or @sha256:…)',
        );
        break;
      case 'digest':
        out.digest = checked(key, value, REFERENCE, 'a repository digest (repo@sha256:<64 hex>)');
        if (!isPinned(out.digest))
          throw new DayshiftError(
            'BAD_REQUEST',
            'digest must be a repository digest (repo@sha256:<64 hex>)',
            {
              hint: 'pull the tag first (images/pull): it answers the digest to apply',
            },
          );
        break;
      case 'repository':
        out.repository = checked(key, value, REPOSITORY, 'a repository without a tag or digest');
        if (repositoryOf(out.repository) !== out.repository)
          throw new DayshiftError('BAD_REQUEST', 'repository must be a repository without a tag or digest', {
            hint: `its repository is ${repositoryOf(out.repository)}`,
          });
        break;
      case 'keep':
        if (!Array.isArray(value) || value.length > MAX_KEEP)
          throw new DayshiftError('BAD_REQUEST', `keep must be a list of at most ${MAX_KEEP} digests`);
        out.keep = value.map((d) => {
          const digest = checked('keep', d, REFERENCE, 'a repository digest (repo@sha256:<64 hex>)');
          if (!isPinned(digest))
            throw new DayshiftError(
              'BAD_REQUEST',
              'keep must list repository digests (repo@sha256:<64 hex>)',
            );
          return digest;
        });
        break;
    }
  }
  const missing = KEYS[op].filter((key) => out[key] === undefined);
  if (missing.length > 0)
    throw new DayshiftError('BAD_REQUEST', `images/${op} needs ${missing.join(' and ')} in its request body`);
  return out;
}

function checked(key: string, value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value))
    throw new DayshiftError('BAD_REQUEST', `${key} must be ${what}`);
  return value;
}
