import { DayshiftError } from '../errors.js';
import { IMAGE_TARGET, REF_TARGET } from './release.js';

/** The fewest hex characters that name an image digest (as `docker images` shows ids). */
export const DIGEST_PREFIX_MIN = 12;
/** The fewest hex characters that name a commit (as `git log --oneline` shows them). */
export const COMMIT_PREFIX_MIN = 7;

/** What a person's text (`rollback --to <release>`) can mean; a release matches if either part does. */
export interface ReleaseQuery {
  /** A release id, when the text can be one: `12`, `#12`. */
  id?: number;
  /** Whether a release's target (or, for a tag, what was requested) is the one the text names. */
  matches?: (release: { target: string; requested: string }) => boolean;
}

const HEX = /^[0-9a-f]+$/;

/**
 * Reads how a person names a release:
 * - `#12` is release 12; `12` too, and a run of 7 or more digits may also be a commit prefix;
 * - `sha256:<hex>`, `repo@sha256:<hex>` or bare hex of at least 12 characters: an image digest prefix;
 * - hex of at least 7 characters: a commit prefix (a ref release's target);
 * - anything else (`app:v2`, `main`): what was requested, as typed. A tag may have moved since, so it
 *   can name several targets; the caller refuses that as ambiguous.
 * Too short a prefix is refused (BAD_REQUEST): it would match too much to mean anything.
 */
export function parseReleaseRef(text: string): ReleaseQuery {
  const raw = text.trim();
  if (raw === '') throw badRef(text, 'it is empty');
  const hash = /^#(\d+)$/.exec(raw);
  if (hash) {
    const id = Number(hash[1]);
    if (!Number.isSafeInteger(id) || id < 1) throw badRef(text, 'it is no release id');
    return { id };
  }
  const lower = raw.toLowerCase();
  const digestAt = lower.lastIndexOf('sha256:');
  if (digestAt >= 0 && (digestAt === 0 || lower[digestAt - 1] === '@')) {
    const hex = lower.slice(digestAt + 'sha256:'.length);
    if (!HEX.test(hex) || hex.length > 64) throw badRef(text, 'what follows sha256: is not a hex digest');
    if (hex.length < DIGEST_PREFIX_MIN)
      throw badRef(text, `a digest needs at least ${DIGEST_PREFIX_MIN} hex characters`);
    const repository = digestAt === 0 ? undefined : raw.slice(0, digestAt - 1);
    return {
      matches: ({ target }) => {
        const image = IMAGE_TARGET.exec(target);
        return (
          image !== null &&
          (image[2] ?? '').startsWith(hex) &&
          (repository === undefined || image[1] === repository)
        );
      },
    };
  }
  const id = /^\d+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
  if (id !== undefined && raw.length < COMMIT_PREFIX_MIN) return { id };
  if (HEX.test(lower)) {
    if (lower.length < COMMIT_PREFIX_MIN)
      throw badRef(text, `a commit needs at least ${COMMIT_PREFIX_MIN} hex characters`);
    return {
      id,
      matches: ({ target }) => {
        if (REF_TARGET.test(target)) return target.startsWith(lower);
        const image = IMAGE_TARGET.exec(target);
        return image !== null && lower.length >= DIGEST_PREFIX_MIN && (image[2] ?? '').startsWith(lower);
      },
    };
  }
  return { matches: ({ requested }) => requested === raw };
}

function badRef(text: string, why: string): DayshiftError {
  return new DayshiftError('BAD_REQUEST', `\`${text}\` names no release: ${why}`, {
    hint: `name a release by its id (#12), its digest (sha256: and at least ${DIGEST_PREFIX_MIN} hex characters), its commit (at least ${COMMIT_PREFIX_MIN}) or the tag or ref deployed`,
  });
}
