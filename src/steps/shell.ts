import path from 'node:path';
import { z } from 'zod';
import { commandOf, describeEnd, runProcess } from '../process/index.js';
import { commandLine, stringMap } from '../schema/values.js';
import type { ParamValue, StepKindDefinition } from './types.js';

const options = z.union([
  z.string().min(1),
  z.strictObject({ run: commandLine(), cwd: z.string().optional(), env: stringMap().optional() }),
]);

/** The run's parameters as the command's environment: `DAYSHIFT_PARAM_REPLICAS=3`. */
function paramEnv(params: Readonly<Record<string, ParamValue>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      `DAYSHIFT_PARAM_${k.toUpperCase().replaceAll('-', '_')}`,
      String(v),
    ]),
  );
}

/**
 * Runs a command in its own process group, killed whole at the step's timeout or when the run is
 * cancelled; a non-zero exit fails the step. Its output (stdout and stderr as they came) is kept.
 */
export const shellStep = {
  kind: 'shell',
  description: 'run a command; output is kept as evidence, a non-zero exit fails the step',
  options,
  references: () => [],
  run: async (o, ctx) => {
    const spec = typeof o === 'string' ? { run: o } : o;
    const outcome = await runProcess(commandOf(spec.run), {
      cwd: path.resolve(ctx.baseDir, spec.cwd ?? '.'),
      env: { ...paramEnv(ctx.params), DAYSHIFT_RUN_ID: String(ctx.runId), ...spec.env },
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      mergeOutput: true,
      onStart: ctx.processStarted,
    });
    const ok = outcome.exitCode === 0;
    return {
      ok,
      detail: `the command ${describeEnd(outcome)}`,
      output: outcome.stdout,
      outputBytes: Buffer.byteLength(outcome.stdout) + outcome.truncated.stdout,
      result: { exit_code: outcome.exitCode, pid: outcome.pid },
    };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
