import { checkEnv, chooseSource } from '../env-contract/check-env.js';
import { DayshiftError } from '../errors.js';
import { Runbooks } from '../runbooks/runbooks.js';
import { formatDuration } from '../schema/duration.js';
import type { StepContext, StepOutcome } from '../steps/types.js';
import type { ApprovalPhase, DeployDefinition, Phase } from './plan.js';
import { APPROVAL_MS, type DeployState } from './state.js';

/** One phase per `before:` gate; a failed gate stops the deploy before anything changes. */
export function gatePhases(state: DeployState): Array<Phase | ApprovalPhase> {
  const { definition, request } = state;
  const counts = new Map<string, number>();
  return definition.before.map((gate): Phase | ApprovalPhase => {
    const n = (counts.get(gate.kind) ?? 0) + 1;
    counts.set(gate.kind, n);
    const name = `gate-${gate.kind}${n > 1 ? `-${n}` : ''}`;
    const description = `gate: ${gate.kind}`;
    switch (gate.kind) {
      case 'approve':
        return {
          name,
          description,
          ask: () => ({ message: gate.options as string, timeoutMs: APPROVAL_MS }),
        };
      case 'env':
        return {
          name,
          description,
          run: async () => {
            const report = checkEnv(state.config, chooseSource(state.config, state.baseDir, {}));
            const failed = report.results.filter((r) => !r.ok);
            return failed.length === 0
              ? { ok: true, detail: `the environment contract holds (${report.results.length} rules)` }
              : {
                  ok: false,
                  detail: `the environment contract is broken: ${failed.map((r) => `${r.variable} ${r.reason ?? r.rule}`).join('; ')}`,
                };
          },
        };
      case 'backup':
        return { name, description, timeoutMs: 6 * 3_600_000, run: (ctx) => backupGate(state, ctx, gate) };
      case 'check':
        return {
          name,
          description,
          run: async (ctx) => {
            const verdicts = await ctx.checks.run([gate.options as string], ctx.signal);
            const failed = verdicts.filter((v) => v.outcome === 'fail');
            return failed.length === 0
              ? { ok: true, detail: `${verdicts.map((v) => v.id).join(', ')} healthy` }
              : { ok: false, detail: failed.map((v) => `${v.id}: ${v.reason}`).join('; ') };
          },
        };
      case 'smoke':
        return {
          name,
          description,
          run: async (ctx) => {
            const report = await ctx.smoke.run(gate.options as string, ctx.signal);
            return { ok: report.ok, detail: report.detail };
          },
        };
      case 'runbook':
        return {
          name,
          description,
          timeoutMs: 2 * 3_600_000,
          run: async (ctx) => {
            const runbooks = new Runbooks({
              config: state.config,
              configPath: state.configPath,
              baseDir: state.baseDir,
              store: state.store,
              clock: state.clock,
            });
            const { recorder, plan } = await runbooks.open(
              gate.options as string,
              {},
              `deploy:${state.runId}`,
            );
            const end = await runbooks.execute(recorder, plan, { signal: ctx.signal });
            return {
              ok: end.status === 'succeeded',
              detail: `runbook ${gate.options as string} ${end.status} (run ${recorder.runId}): ${end.detail}`,
            };
          },
        };
      default:
        throw new DayshiftError(
          'INTERNAL',
          `unknown deploy gate ${request.service}: ${(gate as { kind: string }).kind}`,
        );
    }
  });
}

/**
 * `{ backup: db }` takes a snapshot now; `{ backup: db, max_age: 1h }` is content with a good one that
 * young. With `migrates: true` the snapshot is bound to the release, for a rollback to restore.
 */
async function backupGate(
  state: DeployState,
  ctx: StepContext,
  gate: DeployDefinition['before'][number],
): Promise<StepOutcome> {
  const backup = gate.options as string;
  const maxAge = (gate as { max_age?: number }).max_age;
  let snapshot: string | undefined;
  let detail: string;
  if (maxAge !== undefined) {
    const good = await state.runs.latest('backup', backup, 'succeeded');
    const at = good?.finishedAt ?? good?.startedAt;
    const id = (good?.summary as { snapshot?: string } | null)?.snapshot;
    if (good && at !== undefined && id && state.clock.now() - at <= maxAge) {
      snapshot = id;
      detail = `snapshot ${id} of ${backup} is ${formatDuration(state.clock.now() - at)} old, within max_age ${formatDuration(maxAge)}`;
    } else detail = '';
  } else detail = '';
  if (!snapshot) {
    const taken = await ctx.backups.run(backup, ctx.signal);
    snapshot = taken.snapshot;
    detail = taken.detail;
  }
  if (state.definition.migrates && state.release) {
    state.backup = { backup, snapshot };
    await state.releases.bindBackup(state.release.id, state.backup);
    detail += `; bound to release ${state.release.id}, whose migrations change the schema`;
  }
  return { ok: true, detail, result: { backup, snapshot } };
}
