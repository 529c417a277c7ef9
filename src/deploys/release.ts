import type { Selectable } from 'kysely';
import { DayshiftError } from '../errors.js';
import type { Database } from '../store/schema.js';

/**
 * Glossary
 * - release: one deploy (or rollback) of a service at one target, from `begin` until it is settled.
 * - target: what runs: `repo@sha256:<64 hex>` for an image, a full commit sha for a ref. Never a tag.
 * - requested: what a person asked for (`app:v2`, `main`), kept only to show; it may have moved since.
 * - applied: the target started running (`appliedAt`); before that, nothing of the service changed.
 * - known-good: a release that was verified (healthy within its time, smoke passed); rollbacks go there.
 * - live: the release whose target the service runs now (see Releases.live).
 */

/** How a release names what it runs: an image digest, or a git commit. */
export type ReleaseKind = 'image' | 'ref';

/** A deploy asked for, or a rollback (automatic, or `dayshift rollback`). */
export type ReleaseAction = 'deploy' | 'rollback';

/**
 * - `deploying`: begun, not settled: gates, pull, apply or verification under way;
 * - `verified`: healthy and smoke passed; known-good from then on;
 * - `failed`: a gate, the apply or the verification failed;
 * - `interrupted`: its process died before settling it; a crash settlement later resolves it to
 *   verified or failed once it knows which release the service was left on.
 */
export type ReleaseState = 'deploying' | 'verified' | 'failed' | 'interrupted';

export const RELEASE_STATES: readonly ReleaseState[] = ['deploying', 'verified', 'failed', 'interrupted'];

/** The states a settlement may end a release in. */
export type SettledState = Exclude<ReleaseState, 'deploying'>;

/** The pre-deploy backup bound to a release that changes the schema (`migrates: true`). */
export interface ReleaseBackup {
  backup: string;
  snapshot: string;
}

/** One release as the API, the CLI and the deploy flow read it: JSON parsed, times epoch ms. */
export interface Release {
  id: number;
  service: string;
  kind: ReleaseKind;
  target: string;
  requested: string;
  action: ReleaseAction;
  runId: number | null;
  state: ReleaseState;
  knownGood: boolean;
  createdBy: string;
  createdAt: number;
  appliedAt: number | null;
  finishedAt: number | null;
  previousId: number | null;
  backup: ReleaseBackup | null;
  /** Gates, apply, verification, failure: whatever the deploy flow noted, merged key by key. */
  detail: Record<string, unknown> | null;
}

/** A row of `releases` as a Release. */
export function releaseOf(row: Selectable<Database['releases']>): Release {
  return {
    id: Number(row.id),
    service: row.service,
    kind: row.kind as ReleaseKind,
    target: row.target,
    requested: row.requested,
    action: row.action as ReleaseAction,
    runId: row.run_id === null ? null : Number(row.run_id),
    state: row.state as ReleaseState,
    knownGood: Number(row.known_good) === 1,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    appliedAt: row.applied_at === null ? null : Number(row.applied_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    previousId: row.previous_id === null ? null : Number(row.previous_id),
    backup: row.backup ? (JSON.parse(row.backup) as ReleaseBackup) : null,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
  };
}

/** An image target: `repo@sha256:<64 hex>`, which no push can move. */
export const IMAGE_TARGET = /^([^\s@]+)@sha256:([0-9a-f]{64})$/;

/** A ref target: a full commit id (SHA-1, or SHA-256 for a repository in that format). */
export const REF_TARGET = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * A target as a table shows it: an image digest cut to its first 12 hex characters
 * (`repo@sha256:abcdef123456`, as `docker images` shows ids), a commit to 12.
 */
export function shortTarget(target: string): string {
  const image = IMAGE_TARGET.exec(target);
  if (image) return `${image[1]}@sha256:${(image[2] ?? '').slice(0, 12)}`;
  return REF_TARGET.test(target) ? target.slice(0, 12) : target;
}

/** A target must be pinned: a tag or a branch may move, and a release says what ran. */
export function checkPinned(kind: ReleaseKind, target: string): void {
  if (kind === 'image' && IMAGE_TARGET.test(target)) return;
  if (kind === 'ref' && REF_TARGET.test(target)) return;
  throw new DayshiftError('BAD_REQUEST', `a release of kind ${kind} cannot have the target \`${target}\``, {
    hint:
      kind === 'image'
        ? 'an image release is pinned by digest: repo@sha256:<64 hex>'
        : kind === 'ref'
          ? 'a ref release is pinned by a full commit id (40 or 64 hex characters)'
          : 'a release is of kind image or ref',
  });
}

/** `#12 app@sha256:abcdef123456 verified, known-good`: a release in a hint. */
export function describeBriefly(release: Release): string {
  return `#${release.id} ${shortTarget(release.target)} ${release.state}${release.knownGood ? ', known-good' : ''}`;
}
