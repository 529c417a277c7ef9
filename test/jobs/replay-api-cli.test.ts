import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../src/jobs/queue.js';
import type { ReplayReport } from '../../src/jobs/replay.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { bearer, type Harness, startHarness } from '../server/server-harness.js';
import { expectedReport, REPLAY_KIND, seedReplayCase, sortedReport } from './replay-case.js';

const run = promisify(execFile);
const CLI = path.resolve('src/cli/main.ts');

describe.each(STORE_KINDS)('replaying failed jobs that share unique keys on %s', (kind) => {
  let apiStore: TestStore;
  let cliStore: TestStore;
  let harness: Harness;
  beforeAll(async () => {
    apiStore = await createTestStore(kind);
    cliStore = await createTestStore(kind);
    harness = await startHarness({ pgUrl: apiStore.options.url });
  });
  afterAll(async () => {
    await harness?.close();
    await apiStore?.destroy();
    await cliStore?.destroy();
  });

  it('answers 200 with what it replayed and what it skipped, and why', async () => {
    const seeded = await seedReplayCase(harness.queue);
    const response = await fetch(`${harness.baseUrl}/api/v1/jobs/replay`, {
      method: 'POST',
      headers: { ...bearer(harness.token.operator), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: REPLAY_KIND }),
    });
    const body = (await response.json()) as ReplayReport;
    expect(response.status).toBe(200);
    expect(sortedReport(body)).toEqual(expectedReport(seeded));
    for (const { id } of body.skipped) expect((await harness.queue.get(id))?.status).toBe('failed');
  });

  it('`dayshift jobs replay --failed` exits 0, prints what it replayed and a table of the skipped', async () => {
    const store = await cliStore.open();
    const queue = new JobQueue(store);
    const seeded = await seedReplayCase(queue);
    const expected = expectedReport(seeded);
    const { sqlitePath, url } = cliStore.options;
    const { configPath } = stackFrom(
      sqlitePath
        ? `version: 1\nstore: { sqlite: { path: ${JSON.stringify(sqlitePath)} } }\n`
        : 'version: 1\n',
    );
    const { DAYSHIFT_DATABASE_URL: _inherited, ...env } = process.env;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', CLI, '--config', configPath, 'jobs', 'replay', '--failed', '--kind', REPLAY_KIND],
      { env: url ? { ...env, DAYSHIFT_DATABASE_URL: url } : env },
    );
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    const replayedIds = /^4 failed jobs queued again: (.*)$/.exec(lines[0] ?? '')?.[1]?.split(', ');
    expect(replayedIds?.map((id) => Number(id.slice(1))).sort((a, b) => a - b)).toEqual(expected.replayedIds);
    expect(lines[1]).toBe('5 failed jobs skipped (they stay failed):');
    expect(lines[2]).toMatch(/^ID\s+KIND\s+UNIQUE KEY\s+REASON$/);
    const rows = lines.slice(3).map((line) => line.split(/\s{2,}/));
    expect(
      rows
        .map(([id, k, key, reason]) => ({ id: Number(id), kind: k, uniqueKey: key, reason }))
        .sort((a, b) => a.id - b.id),
    ).toEqual(expected.skipped);
    for (const id of expected.replayedIds) expect((await queue.get(id))?.status).toBe('queued');
    for (const { id } of expected.skipped) expect((await queue.get(id))?.status).toBe('failed');
  });
});
