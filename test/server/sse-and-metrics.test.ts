import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { bearer, type Harness, startHarness } from './server-harness.js';

interface SseMessage {
  event: string;
  id?: string;
  data: unknown;
}

/** Reads a server-sent events stream with fetch until the server ends it. */
async function readEvents(url: string, headers: Record<string, string>): Promise<SseMessage[]> {
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text(); // the stream ends when the job finishes
  const messages: SseMessage[] = [];
  for (const frame of text.split('\n\n')) {
    const lines = frame.split('\n').filter((l) => l && !l.startsWith(':'));
    if (lines.length === 0) continue;
    const message: SseMessage = { event: 'message', data: undefined };
    for (const line of lines) {
      const [field, ...rest] = line.split(': ');
      const value = rest.join(': ');
      if (field === 'event') message.event = value;
      else if (field === 'id') message.id = value;
      else if (field === 'data') message.data = JSON.parse(value);
    }
    messages.push(message);
  }
  return messages;
}

describe('server-sent events and metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('streams a job’s progress and its completion, then ends', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers: { ...bearer(h.token.operator), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'selftest', payload: { steps: 3, stepMs: 30 } }),
    });
    expect(res.status).toBe(201);
    const { job } = (await res.json()) as { job: { id: number } };
    const messages = await readEvents(`${h.baseUrl}/api/v1/jobs/${job.id}/events`, bearer(h.token.viewer));
    const progress = messages
      .filter((m) => m.event === 'progress')
      .map((m) => (m.data as { data: { step: number } }).data.step);
    expect(progress).toEqual([1, 2, 3]);
    const types = messages.map((m) => m.event);
    expect(types.indexOf('started')).toBeLessThan(types.indexOf('progress'));
    expect(types.at(-2)).toBe('completed');
    expect(messages.at(-1)).toMatchObject({ event: 'end', data: { jobId: job.id, status: 'completed' } });
  });

  it('answers HEAD on the stream of an unfinished job with its headers and ends, holding no connection', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers: { ...bearer(h.token.operator), 'content-type': 'application/json' },
      // Scheduled an hour ahead, so the job stays queued while the stream is asked for.
      body: JSON.stringify({ kind: 'selftest', payload: { steps: 1 }, runAt: Date.now() + 3_600_000 }),
    });
    expect(res.status).toBe(201);
    const { job } = (await res.json()) as { job: { id: number; status: string } };
    expect(job.status).toBe('queued');
    const head = await fetch(`${h.baseUrl}/api/v1/jobs/${job.id}/events`, {
      method: 'HEAD',
      headers: bearer(h.token.viewer),
      signal: AbortSignal.timeout(10_000),
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await head.text()).toBe('');
  });

  it('resumes a stream after Last-Event-ID without repeating events', async () => {
    const job = await h.queue.enqueue('selftest', { steps: 2, stepMs: 5 });
    await until(
      async () => ((await h.queue.get(job!.id))?.status === 'completed' ? true : undefined),
      'job done',
    );
    const all = await readEvents(`${h.baseUrl}/api/v1/jobs/${job!.id}/events`, bearer(h.token.viewer));
    const firstId = all.find((m) => m.id !== undefined)?.id;
    expect(firstId).toBeDefined();
    const rest = await readEvents(`${h.baseUrl}/api/v1/jobs/${job!.id}/events`, {
      ...bearer(h.token.viewer),
      'last-event-id': firstId!,
    });
    expect(rest.filter((m) => m.id !== undefined).length).toBe(
      all.filter((m) => m.id !== undefined).length - 1,
    );
  });

  it('exposes /metrics that promtool accepts, with the queue in it', async () => {
    await h.queue.enqueue('selftest', { steps: 0 }, { runAt: Date.now() + 3_600_000 });
    const res = await fetch(`${h.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^dayshift_jobs\{kind="selftest",status="queued"\} [1-9]/m);
    expect(text).toMatch(/^dayshift_jobs_finished_total\{kind="selftest",outcome="completed"\} [1-9]/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^dayshift_job_wait_seconds_bucket\{le="0.005",kind="selftest"\} \d+$/m);
    // Quantiles are a histogram's or a summary's labels, never part of a name.
    expect(text).not.toMatch(/^\w*_p\d+(_\w*)?[ {]/m);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error, 'promtool must be installed (see .ci/run)').toBeUndefined();
    expect(promtool.stdout + promtool.stderr).toBe('');
    expect(promtool.status).toBe(0);
  });
});
