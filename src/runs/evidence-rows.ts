import type { Kysely, Selectable } from 'kysely';
import { scrubSecrets } from '../schema/secret.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import {
  boundContent,
  EVIDENCE_MAX_BYTES,
  type EvidenceInput,
  type EvidenceItem,
  type EvidenceKind,
  type EvidenceSummary,
} from './evidence.js';

/** The `run_evidence` table: items written bounded and scrubbed, read back with or without content. */
export class EvidenceRows {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Keeps one item: the content goes through boundContent, so nothing else decides what is stored. */
  async add(runId: number, input: EvidenceInput): Promise<EvidenceSummary> {
    const bound = Math.min(input.maxBytes ?? EVIDENCE_MAX_BYTES, EVIDENCE_MAX_BYTES);
    const bounded = boundContent(input.content, bound, input.keep);
    const row = await this.#db
      .insertInto('run_evidence')
      .values({
        run_id: runId,
        step: input.step ?? null,
        name: scrubSecrets(input.name),
        kind: input.kind,
        content: bounded.content,
        size: bounded.size,
        sha256: bounded.sha256,
        truncated: bounded.truncated ? 1 : 0,
        captured_at: this.#clock.now(),
      })
      .returning(SUMMARY_COLUMNS)
      .executeTakeFirstOrThrow();
    return summaryOf(row);
  }

  /** A run's items in the order they were captured, without their content. */
  async list(runId: number): Promise<EvidenceSummary[]> {
    const rows = await this.#db
      .selectFrom('run_evidence')
      .select(SUMMARY_COLUMNS)
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map(summaryOf);
  }

  /** One item of a run, with its content; undefined when the run has no such item. */
  async get(runId: number, id: number): Promise<EvidenceItem | undefined> {
    const row = await this.#db
      .selectFrom('run_evidence')
      .selectAll()
      .where('run_id', '=', runId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { ...summaryOf(row), content: row.content } : undefined;
  }
}

const SUMMARY_COLUMNS = [
  'id',
  'run_id',
  'step',
  'name',
  'kind',
  'size',
  'sha256',
  'truncated',
  'captured_at',
] as const;

function summaryOf(row: Omit<Selectable<Database['run_evidence']>, 'content'>): EvidenceSummary {
  return {
    id: Number(row.id),
    runId: Number(row.run_id),
    step: row.step === null ? null : Number(row.step),
    name: row.name,
    kind: row.kind as EvidenceKind,
    size: Number(row.size),
    sha256: row.sha256,
    truncated: Number(row.truncated) === 1,
    capturedAt: Number(row.captured_at),
  };
}
