import type { CheckKind } from '../checks/registry.js';
import { type RunEnvironment, type RunnableCheck, reasonOf, runCheckFully } from '../checks/run.js';
import type { CheckResult } from '../checks/types.js';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { checksOf } from '../monitor/configured-checks.js';
import { RunRecorder } from '../runs/recorder.js';
import type { Runs } from '../runs/runs.js';
import { Secret } from '../schema/secret.js';
import { ownValue } from '../util/own.js';
import { type CaptureSource, capture } from './captures.js';
import { substitute } from './substitute.js';

/** A smoke step without `timeout:` gets this long. */
const STEP_TIMEOUT_MS = 10_000;

export interface SmokeStepReport {
  position: number;
  name: string;
  kind: string;
  outcome: 'pass' | 'warn' | 'fail' | 'skipped';
  latencyMs: number;
  reason: string | null;
  result: CheckResult | null;
}

export interface SmokeReport {
  suite: string;
  runId: number | null;
  ok: boolean;
  steps: SmokeStepReport[];
}

/**
 * Runs a smoke suite's steps in order. A failed step fails the suite and the next steps still run, so
 * one report shows everything that is broken; a step that needs a value an earlier step failed to
 * capture is skipped with that reason. Captured values are treated as secrets: they are replaced in
 * everything reported or recorded.
 */
export async function runSmokeSuite(
  config: StackConfig,
  suite: string,
  env: RunEnvironment,
  record?: { runs: Runs; trigger: string },
): Promise<SmokeReport> {
  const steps = ownValue(config.smoke, suite);
  if (!steps) {
    const known = Object.keys(config.smoke);
    throw new DayshiftError('NOT_FOUND', `no smoke suite named "${suite}"`, {
      hint:
        known.length > 0 ? `suites in this file: ${known.join(', ')}` : 'this file defines no smoke: suites',
    });
  }
  const defined = new Map(checksOf(config).map((c) => [c.id, c]));
  const recorder = record
    ? await RunRecorder.start(record.runs, env.clock, 'smoke', suite, record.trigger)
    : undefined;
  try {
    const reports = await runSteps(steps, suite, env, defined, recorder);
    const ok = reports.every((r) => r.outcome === 'pass' || r.outcome === 'warn');
    await recorder?.finish(ok ? 'succeeded' : 'failed', {
      steps: reports.length,
      failed: reports.filter((r) => r.outcome === 'fail').length,
      skipped: reports.filter((r) => r.outcome === 'skipped').length,
    });
    return { suite, runId: recorder?.runId ?? null, ok, steps: reports };
  } catch (error) {
    // Whatever stopped the suite part way (a step naming a check the file does not define) closes its run.
    await recorder?.fail(error);
    throw error;
  }
}

/** Runs the steps in order, each recorded as it ends (with the check's latency as its duration). */
async function runSteps(
  steps: readonly Step[],
  suite: string,
  env: RunEnvironment,
  defined: ReadonlyMap<string, RunnableCheck>,
  recorder: RunRecorder | undefined,
): Promise<SmokeStepReport[]> {
  const vars = new Map<string, string>();
  const reports: SmokeStepReport[] = [];
  for (const [index, step] of steps.entries()) {
    const position = index + 1;
    const name = step.name ?? `${position} ${step.kind === 'check' ? step.options : step.kind}`;
    const started = env.clock.now();
    let report: SmokeStepReport;
    const filled = substitute(step.options, vars);
    if (filled.missing.length > 0) {
      report = {
        position,
        name,
        kind: step.kind,
        outcome: 'skipped',
        latencyMs: 0,
        reason: `needs ${filled.missing.map((n) => `{{ ${n} }}`).join(', ')}, which an earlier step did not capture`,
        result: null,
      };
    } else {
      const check = {
        ...runnableOf(step, filled.value, suite, position, defined),
        context: Object.fromEntries(vars),
      };
      const { result, subject } = await runCheckFully(check, env);
      let reason = reasonOf(result) ?? null;
      let outcome: SmokeStepReport['outcome'] = result.outcome;
      for (const [variable, source] of Object.entries(step.capture ?? {})) {
        const got = capture(source as CaptureSource, subject);
        if ('value' in got) {
          vars.set(variable, got.value);
          // Registered as a secret so the logger scrubs it too, wherever it might slip through.
          new Secret(got.value);
        } else if (outcome !== 'fail') {
          outcome = 'fail';
          reason = `capture ${variable}: ${got.missing}`;
        }
      }
      report = { position, name, kind: step.kind, outcome, latencyMs: result.latencyMs, reason, result };
    }
    report = scrub(report, vars);
    reports.push(report);
    await recorder?.record({
      position,
      name,
      kind: report.kind,
      outcome: report.outcome,
      startedAt: started,
      durationMs: report.latencyMs,
      result: { reason: report.reason, ...(report.result ?? {}) },
    });
  }
  return reports;
}

type Step = StackConfig['smoke'][string][number];

function runnableOf(
  step: Step,
  options: unknown,
  suite: string,
  position: number,
  defined: ReadonlyMap<string, RunnableCheck>,
): RunnableCheck {
  if (step.kind === 'check') {
    const check = defined.get(step.options);
    if (!check)
      throw new DayshiftError(
        'CHECK_NOT_FOUND',
        `smoke ${suite} step ${position}: no check ${step.options}`,
        {
          hint: 'name a check as service.check',
        },
      );
    return {
      ...check,
      expect: step.expect.length > 0 ? step.expect : check.expect,
      timeout: step.timeout ?? check.timeout,
    };
  }
  return {
    id: `smoke:${suite}#${position}`,
    kind: step.kind as CheckKind,
    options,
    expect: step.expect,
    timeout: step.timeout ?? STEP_TIMEOUT_MS,
  };
}

/** Replaces every captured value in a report, so a session cookie or a token is never shown or stored. */
function scrub(report: SmokeStepReport, vars: ReadonlyMap<string, string>): SmokeStepReport {
  const values = [...vars.values()].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  if (values.length === 0) return report;
  const text = JSON.stringify(report, (_key, value: unknown) =>
    typeof value === 'string' ? values.reduce((out, v) => out.split(v).join('[captured]'), value) : value,
  );
  return JSON.parse(text) as SmokeStepReport;
}
