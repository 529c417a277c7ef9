/**
 * Evidence a run keeps, on both stores: cut to 256 KiB on a character boundary with the cut recorded,
 * the whole content's size and SHA-256 kept so an item can be checked, secrets scrubbed before
 * anything is kept or hashed, text that PostgreSQL could not hold (NUL, bytes that are not UTF-8)
 * kept alike on both, and read back as a list without contents or one item with its content.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundContent, EVIDENCE_MAX_BYTES } from '../../src/runs/evidence.js';
import { RunRecorder } from '../../src/runs/recorder.js';
import { Runs } from '../../src/runs/runs.js';
import { Secret } from '../../src/schema/secret.js';
import { systemClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const PASSWORD = 'evidence-canary-pw-93ab';
new Secret(PASSWORD);

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('bounding one item of evidence', () => {
  it.each([
    ['empty', ''],
    ['one line', 'ok\n'],
    ['exactly the bound', 'x'.repeat(EVIDENCE_MAX_BYTES)],
  ])('keeps %s content whole, with its size and hash', (_what, content) => {
    expect(boundContent(content)).toEqual({
      content,
      size: bytes(content),
      sha256: sha256(content),
      truncated: false,
    });
  });

  it('keeps the first 256 KiB of a longer log, and the size and hash of all of it', () => {
    const log = Array.from({ length: 12_000 }, (_, i) => `line ${i} of the worker log\n`).join('');
    expect(bytes(log)).toBeGreaterThan(EVIDENCE_MAX_BYTES);
    const kept = boundContent(log);
    expect(kept.truncated).toBe(true);
    expect(kept.size).toBe(bytes(log));
    expect(kept.sha256).toBe(sha256(log));
    expect(kept.content).toBe(log.slice(0, EVIDENCE_MAX_BYTES));
  });

  it.each([
    ['a two-byte character', 'é', 1],
    ['a three-byte character', '€', 2],
    ['a four-byte character', '🦆', 3],
  ])('cuts before %s the bound splits, never through it', (_what, char, over) => {
    const content = `${'a'.repeat(EVIDENCE_MAX_BYTES - over)}${char}tail`;
    const kept = boundContent(content);
    expect(kept.content).toBe('a'.repeat(EVIDENCE_MAX_BYTES - over));
    expect(kept.truncated).toBe(true);
    expect(kept.size).toBe(bytes(content));
  });

  it.each([
    ['a two-byte character', 'é', 1],
    ['a three-byte character', '€', 2],
    ['a four-byte character', '🦆', 3],
  ])('keeps the end of a log kept by its end, starting after %s the bound splits', (_what, char, over) => {
    const content = `head${char}${'z'.repeat(1000 - over)}`;
    const kept = boundContent(content, 1000, 'end');
    expect(kept.content).toBe('z'.repeat(1000 - over));
    expect(kept).toMatchObject({ truncated: true, size: bytes(content), sha256: sha256(content) });
    expect(boundContent('short', 1000, 'end')).toMatchObject({ content: 'short', truncated: false });
  });

  it('scrubs a secret before hashing and cutting, also one the bound would split', () => {
    const content = `${'a'.repeat(EVIDENCE_MAX_BYTES - 6)}${PASSWORD}${'b'.repeat(100)}`;
    const kept = boundContent(content);
    const scrubbed = `${'a'.repeat(EVIDENCE_MAX_BYTES - 6)}[redacted]${'b'.repeat(100)}`;
    expect(kept.content).toBe(scrubbed.slice(0, EVIDENCE_MAX_BYTES));
    expect(kept.content).not.toContain(PASSWORD.slice(0, 4));
    // The hash is of what may be kept: one of the secret's text would let a reader test guesses of it.
    expect(kept.sha256).toBe(sha256(scrubbed));
    expect(kept.size).toBe(bytes(scrubbed));
  });

  it('reads bytes as UTF-8, and keeps NUL and undecodable bytes as U+FFFD', () => {
    const raw = Buffer.concat([Buffer.from('ok '), Buffer.from([0xff, 0xfe]), Buffer.from(' \u0000 end')]);
    const kept = boundContent(raw);
    expect(kept.content).toBe('ok \uFFFD\uFFFD \uFFFD end');
    expect(kept.sha256).toBe(sha256(kept.content));
  });
});

describe.each(STORE_KINDS)('evidence kept by a run on %s', (kind) => {
  let test: TestStore;
  let runs: Runs;

  beforeAll(async () => {
    test = await createTestStore(kind);
    runs = new Runs((await test.open()).db, systemClock);
  });
  afterAll(async () => {
    await test?.destroy();
  });

  it('lists items without contents and reads one back with the content it kept', async () => {
    const recorder = await RunRecorder.start(runs, systemClock, 'runbook', 'evidence', 'cli');
    const log = `${'worker: tick\n'.repeat(25_000)}worker: the last line\n`;
    const output = `pg_dump: dumping contents of table notes\npassword=${PASSWORD}\n`;
    const first = await recorder.evidence({ name: 'worker logs', kind: 'log', content: log });
    const second = await recorder.evidence({ name: 'dump output', kind: 'output', content: output, step: 2 });
    const binary = await recorder.evidence({
      name: 'state file',
      kind: 'file',
      content: Buffer.from([0x61, 0x00, 0xff, 0x62]),
    });

    const list = await runs.evidence(recorder.runId);
    expect(list).toEqual([
      {
        id: first.id,
        runId: recorder.runId,
        step: null,
        name: 'worker logs',
        kind: 'log',
        size: bytes(log),
        sha256: sha256(log),
        truncated: true,
        capturedAt: expect.any(Number),
      },
      {
        id: second.id,
        runId: recorder.runId,
        step: 2,
        name: 'dump output',
        kind: 'output',
        size: bytes(output.replace(PASSWORD, '[redacted]')),
        sha256: sha256(output.replace(PASSWORD, '[redacted]')),
        truncated: false,
        capturedAt: expect.any(Number),
      },
      expect.objectContaining({ id: binary.id, kind: 'file', size: 8, truncated: false }),
    ]);
    expect(list.some((item) => 'content' in item)).toBe(false);

    const kept = await runs.evidenceItem(recorder.runId, first.id);
    expect(kept?.content).toBe(log.slice(0, EVIDENCE_MAX_BYTES));
    expect(bytes(kept?.content ?? '')).toBe(EVIDENCE_MAX_BYTES);
    const dump = await runs.evidenceItem(recorder.runId, second.id);
    expect(dump?.content).toBe('pg_dump: dumping contents of table notes\npassword=[redacted]\n');
    // Whole items can be checked against their hash as they are read back.
    expect(sha256(dump?.content ?? '')).toBe(dump?.sha256);
    const file = await runs.evidenceItem(recorder.runId, binary.id);
    expect(file?.content).toBe('a\uFFFD\uFFFDb');
    expect(sha256(file?.content ?? '')).toBe(file?.sha256);
  });

  it("never answers one run's item for another run", async () => {
    const one = await RunRecorder.start(runs, systemClock, 'runbook', 'one', 'cli');
    const other = await RunRecorder.start(runs, systemClock, 'runbook', 'other', 'cli');
    const item = await one.evidence({ name: 'logs', kind: 'log', content: 'one' });
    expect(await runs.evidenceItem(other.runId, item.id)).toBeUndefined();
    expect(await runs.evidence(other.runId)).toEqual([]);
    expect((await runs.evidenceItem(one.runId, item.id))?.content).toBe('one');
  });

  it('takes evidence while a run waits, and none once it is finished', async () => {
    const recorder = await RunRecorder.start(runs, systemClock, 'runbook', 'closing', 'cli');
    await recorder.wait({ waitingFor: 'approval' });
    await recorder.evidence({ name: 'diff', kind: 'output', content: '+1 -1' });
    const resumed = await RunRecorder.resume(runs, systemClock, recorder.runId);
    await resumed.finish('succeeded', null);
    await expect(resumed.evidence({ name: 'late', kind: 'log', content: 'after' })).rejects.toMatchObject({
      code: 'RUN_STATE_CONFLICT',
      message: `run ${recorder.runId} is succeeded; it takes no more evidence`,
    });
    expect((await runs.evidence(recorder.runId)).map((e) => e.name)).toEqual(['diff']);
  });
});
