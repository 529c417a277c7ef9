import { tmpdir } from 'node:os';
import { type CheckKind, checkKinds } from '../../src/checks/registry.js';
import type { RunEnvironment, RunnableCheck } from '../../src/checks/run.js';
import type { HeartbeatPings } from '../../src/checks/types.js';
import { parseCondition } from '../../src/conditions/index.js';
import { systemClock } from '../../src/util/clock.js';

/** A run environment for probe tests: the real clock, a temp base dir, heartbeat pings from a map. */
export function testEnv(
  pings: Record<string, HeartbeatPings> = {},
  overrides: Partial<RunEnvironment> = {},
): RunEnvironment {
  return {
    clock: systemClock,
    baseDir: tmpdir(),
    heartbeats: { pings: async (id) => pings[id] },
    ...overrides,
  };
}

/** A runnable check from the options a user would write, validated by the kind's own schema. */
export function checkOf(
  kind: CheckKind,
  rawOptions: unknown,
  expect: string[] = [],
  timeout = 5000,
  id = `test.${kind}`,
): RunnableCheck {
  return {
    id,
    kind,
    options: checkKinds[kind].options.parse(rawOptions),
    expect: expect.map((e) =>
      e.startsWith('warn:') ? parseCondition(e.slice(5).trim(), 'warn') : parseCondition(e),
    ),
    timeout,
  };
}
