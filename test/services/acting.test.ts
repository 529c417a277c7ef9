import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRecorder } from '../../src/runs/recorder.js';
import { Runs } from '../../src/runs/runs.js';
import { CHANGING_ACTIONS, captureOptionsOf, performAction } from '../../src/services/acting.js';
import { recordServiceAction } from '../../src/services/recorded-action.js';
import { ServiceHandle } from '../../src/services/service-control.js';
import type { Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { within } from '../helpers/wait.js';

/**
 * Logs kept before acting, through the real shell driver and the real run recorder: the logs a
 * service wrote before a restart are the step's evidence (bounded, hashed, their end kept when cut);
 * a service whose driver gives no logs, a log file that cannot be read, a logs command that fails or
 * hangs past the capture's timeout: each is recorded, and the restart happens all the same.
 */
const SECRET = 'canary-acting-secret-40c7';

const stack = stackFrom(
  `version: 1
notifiers:
  ops: { ntfy: { topic: ops, token: "\${NTFY_TOKEN}" } }
services:
  plain:
    driver: { shell: { restart: "echo restarted >> plain.restarts", log_file: plain.log } }
    logs_before_acting: { since: 5m }
  small:
    driver: { shell: { restart: "echo restarted >> small.restarts", log_file: small.log } }
    logs_before_acting: { max_bytes: 4096 }
  blind:
    driver: { shell: { restart: "echo restarted >> blind.restarts" } }
  unreadable:
    driver: { shell: { stop: "echo stopped >> unreadable.restarts", log_file: a-directory } }
  failing:
    driver: { shell: { restart: "echo restarted >> failing.restarts", logs: "echo no journal >&2; exit 3" } }
  hanging:
    driver: { shell: { restart: "echo restarted >> hanging.restarts", logs: "sleep 30" } }
  broken:
    driver: { shell: { restart: "echo cannot restart; exit 5", log_file: broken.log } }
`,
  { NTFY_TOKEN: SECRET },
);
const at = (file: string) => path.join(stack.dir, file);
const handle = (name: string) => new ServiceHandle(stack.config, stack.dir, name);
/** How many times the service's restart command ran. */
const restarts = (name: string) =>
  existsSync(at(`${name}.restarts`))
    ? readFileSync(at(`${name}.restarts`), 'utf8').split('\n').length - 1
    : 0;

beforeAll(() => {
  writeFileSync(at('plain.log'), `booting\nusing token ${SECRET}\nworker stuck on job 17\n`);
  mkdirSync(at('a-directory'));
  writeFileSync(at('broken.log'), 'about to break\n');
});

describe.each(STORE_KINDS)('logs kept before acting (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  let runs: Runs;
  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    runs = new Runs(store.db, systemClock);
  });
  afterAll(async () => {
    await test?.destroy();
  });

  const openRun = () => RunRecorder.start(runs, systemClock, 'test', kind, 'test');

  it('keeps the logs written before a restart as a log item of the step, hashed, and scrubbed of secrets', async () => {
    expect(CHANGING_ACTIONS).toEqual(['restart', 'stop', 'rebuild', 'redeploy']);
    const before = restarts('plain');
    const { runId, outcome } = await recordServiceAction(
      { runs, clock: systemClock },
      handle('plain'),
      'restart',
      {},
      {
        trigger: 'test',
        capture: captureOptionsOf(stack.config, 'plain'),
      },
    );
    expect(restarts('plain')).toBe(before + 1);
    expect(outcome.logsBeforeActing).toMatchObject({ kept: true, leftOut: 0 });
    const run = await runs.get(runId);
    expect(run).toMatchObject({ kind: 'service', name: 'plain', trigger: 'test', status: 'succeeded' });
    expect(run?.steps).toEqual([
      expect.objectContaining({ position: 1, name: 'restart', kind: 'restart', outcome: 'pass' }),
    ]);
    expect(run?.steps[0]?.result).toMatchObject({
      detail: 'restart: the command exited with 0',
      logs: expect.stringMatching(/^logs kept as evidence \d+: \d+ bytes, sha256 [0-9a-f]{64}$/),
    });
    const [item] = await runs.evidence(runId);
    expect(item).toMatchObject({
      step: 1,
      kind: 'log',
      name: 'logs of plain before restart',
      truncated: false,
    });
    const kept = await runs.evidenceItem(runId, item?.id as number);
    expect(kept?.content).toContain('worker stuck on job 17');
    expect(kept?.content).toContain('using token [redacted]');
    expect(kept?.content).not.toContain(SECRET);
    expect(kept?.sha256).toBe(
      createHash('sha256')
        .update(kept?.content as string)
        .digest('hex'),
    );
    expect(kept?.size).toBe(Buffer.byteLength(kept?.content as string));
  });

  it("keeps the end of a log larger than the service's max_bytes, with the whole one's size and hash", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    lines.push('the last line before the restart');
    writeFileSync(at('small.log'), `${lines.join('\n')}\n`);
    const whole = lines.join('\n');
    const before = restarts('small');
    const recorder = await openRun();
    const outcome = await recorder.step('restart', 'restart', (scope) =>
      performAction(handle('small'), 'restart', {}, scope, captureOptionsOf(stack.config, 'small')),
    );
    expect(outcome.logsBeforeActing?.kept).toBe(true);
    const [item] = await runs.evidence(recorder.runId);
    expect(item).toMatchObject({ truncated: true, size: Buffer.byteLength(whole) });
    expect(item?.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
    const kept = await runs.evidenceItem(recorder.runId, item?.id as number);
    expect(Buffer.byteLength(kept?.content as string)).toBeLessThanOrEqual(4096);
    expect(kept?.content.endsWith('the last line before the restart')).toBe(true);
    expect(restarts('small')).toBe(before + 1);
  });

  it('restarts a service whose driver gives no logs, and records why none were kept', async () => {
    const before = restarts('blind');
    const { runId, outcome } = await recordServiceAction(
      { runs, clock: systemClock },
      handle('blind'),
      'restart',
      {},
      {
        trigger: 'test',
      },
    );
    expect(restarts('blind')).toBe(before + 1);
    expect(outcome.logsBeforeActing).toEqual({
      kept: false,
      reason: expect.stringContaining('service `blind` (shell driver) has no command for `logs`'),
    });
    const run = await runs.get(runId);
    expect(run?.status).toBe('succeeded');
    expect(run?.steps[0]?.result).toMatchObject({
      logs: expect.stringMatching(/^logs not kept: service `blind`/),
    });
    const [item] = await runs.evidence(runId);
    expect(item).toMatchObject({ step: 1, kind: 'output', name: 'logs of blind before restart: not kept' });
    const note = await runs.evidenceItem(runId, item?.id as number);
    expect(note?.content).toContain(
      'logs not kept: service `blind` (shell driver) has no command for `logs`',
    );
    expect(note?.content).toContain('add a `logs:` command or a `log_file:`');
  });

  it('acts when the log file cannot be read or the logs command fails, recording why', async () => {
    for (const [name, action, why] of [
      ['unreadable', 'stop', /EISDIR/],
      ['failing', 'restart', /logs of service `failing` failed: its command exited with 3/],
    ] as const) {
      const before = restarts(name);
      const recorder = await openRun();
      const outcome = await recorder.step(action, action, (scope) =>
        performAction(handle(name), action, {}, scope),
      );
      expect(restarts(name)).toBe(before + 1);
      expect(outcome.logsBeforeActing).toEqual({ kept: false, reason: expect.stringMatching(why) });
      const [item] = await runs.evidence(recorder.runId);
      expect(item?.name).toBe(`logs of ${name} before ${action}: not kept`);
    }
  });

  it('gives up on a logs command that hangs past the timeout, and restarts', async () => {
    const before = restarts('hanging');
    const recorder = await openRun();
    const outcome = await within(
      recorder.step('restart', 'restart', (scope) =>
        performAction(handle('hanging'), 'restart', {}, scope, { timeoutMs: 500 }),
      ),
      'the restart, not held by a logs command that sleeps for 30s',
      15_000,
    );
    expect(restarts('hanging')).toBe(before + 1);
    expect(outcome.logsBeforeActing).toEqual({
      kept: false,
      reason: expect.stringMatching(/timed out|took longer/),
    });
  });

  it('keeps the logs of a restart that fails, and fails the run with its error', async () => {
    let opened: number | undefined;
    await expect(
      recordServiceAction(
        { runs, clock: systemClock },
        handle('broken'),
        'restart',
        {},
        {
          trigger: 'test',
          opened: (id) => {
            opened = id;
          },
        },
      ),
    ).rejects.toThrow('restart of service `broken` failed: its command exited with 5');
    const run = await runs.get(opened as number);
    expect(run?.status).toBe('failed');
    expect(run?.steps[0]).toMatchObject({ name: 'restart', outcome: 'fail' });
    const [item] = await runs.evidence(opened as number);
    const kept = await runs.evidenceItem(opened as number, item?.id as number);
    expect(kept?.content.startsWith('about to break')).toBe(true);
  });

  it('opens no run for an action the driver lacks', async () => {
    const before = await runs.list({ kinds: ['service'] });
    const restartsBefore = restarts('blind');
    await expect(
      recordServiceAction({ runs, clock: systemClock }, handle('blind'), 'stop', {}, { trigger: 'test' }),
    ).rejects.toMatchObject({ code: 'ACTION_UNSUPPORTED' });
    expect(await runs.list({ kinds: ['service'] })).toEqual(before);
    expect(restarts('blind')).toBe(restartsBefore);
  });
});
