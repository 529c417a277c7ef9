import { createHash } from 'node:crypto';
import { scrubSecrets } from '../schema/secret.js';

/**
 * Evidence: what a run captured as it went, kept with its record: a service's logs before a restart
 * (`log`), a command's output (`output`), a file's content (`file`). Evidence is text.
 */
export const EVIDENCE_KINDS = ['log', 'output', 'file'] as const;

export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** The most of one item's content a run keeps; the rest is cut, and its size and hash are kept. */
export const EVIDENCE_MAX_BYTES = 256 * 1024;

/** One item of evidence as a run adds it. `step` is the position of the step it belongs to, if any. */
export interface EvidenceInput {
  name: string;
  kind: EvidenceKind;
  content: string | Uint8Array;
  step?: number | null;
  /** Keep less than EVIDENCE_MAX_BYTES of it (a setting asks for less); never more. */
  maxBytes?: number;
  /**
   * Which part a cut keeps: the `start` (the default), or the `end`, for logs, whose newest lines say
   * what just happened.
   */
  keep?: 'start' | 'end';
}

/** An item of evidence without its content, as a run's list shows it. */
export interface EvidenceSummary {
  id: number;
  runId: number;
  /** The step it belongs to (its position); null for the run as a whole. */
  step: number | null;
  name: string;
  kind: EvidenceKind;
  /** Bytes (UTF-8) of the whole content, before it was cut. */
  size: number;
  /** SHA-256 (hex) of the whole content, before it was cut. */
  sha256: string;
  /** True when only part was kept: its start, or its end for logs kept before an action (`keep`). */
  truncated: boolean;
  capturedAt: number;
}

/** An item of evidence with the content kept. */
export type EvidenceItem = EvidenceSummary & { content: string };

/** Content as it is kept: scrubbed, cut to the bound, with the whole scrubbed content's size and hash. */
export interface BoundedContent {
  content: string;
  size: number;
  sha256: string;
  truncated: boolean;
}

/**
 * Makes content fit to keep. Secret values are scrubbed from the whole of it first, so a secret across
 * the cut is not half kept. The hash and size are of the whole scrubbed text: a hash of the text with
 * its secrets in would let anyone who reads the evidence test guesses of a secret against it. A NUL
 * character (PostgreSQL text cannot hold one) and bytes that are not UTF-8 become U+FFFD, on both
 * stores alike. The cut falls on a character boundary, at or below `maxBytes`, and keeps the start of
 * the content, or its end with `keep: 'end'`.
 */
export function boundContent(
  content: string | Uint8Array,
  maxBytes = EVIDENCE_MAX_BYTES,
  keep: 'start' | 'end' = 'start',
): BoundedContent {
  const text = typeof content === 'string' ? content : new TextDecoder('utf-8').decode(content);
  const whole = Buffer.from(scrubSecrets(text).replaceAll('\u0000', '\uFFFD'), 'utf8');
  const sha256 = createHash('sha256').update(whole).digest('hex');
  if (whole.length <= maxBytes)
    return { content: whole.toString('utf8'), size: whole.length, sha256, truncated: false };
  if (keep === 'end') {
    let from = whole.length - maxBytes;
    // Move on over continuation bytes to the start of the next whole character.
    while (from < whole.length && ((whole[from] as number) & 0xc0) === 0x80) from++;
    return { content: whole.subarray(from).toString('utf8'), size: whole.length, sha256, truncated: true };
  }
  let cut = maxBytes;
  // Back off over UTF-8 continuation bytes (10xxxxxx) to the start of the character the bound splits.
  while (cut > 0 && ((whole[cut] as number) & 0xc0) === 0x80) cut--;
  return { content: whole.subarray(0, cut).toString('utf8'), size: whole.length, sha256, truncated: true };
}
