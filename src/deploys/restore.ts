import type { ApprovalPhase, Phase } from './plan.js';
import type { Release } from './release.js';
import { APPROVAL_MS, type DeployState } from './state.js';

/**
 * A rollback that goes back past a release whose migrations changed the schema offers to restore the
 * backup taken before it (the oldest such release past the target, whose snapshot predates them all),
 * unless that backup was restored already.
 */
export async function offerRestorePast(state: DeployState, target: Release): Promise<void> {
  const past = (await state.releases.list(state.request.service, { limit: 500 }))
    .filter((r) => r.id > target.id && r.action === 'deploy' && r.backup && r.appliedAt !== null)
    .filter((r) => !(r.detail as { restored?: unknown } | null)?.restored)
    .sort((a, b) => a.id - b.id)[0];
  if (!past?.backup) return;
  state.backup = past.backup;
  state.backupOf = past.id;
}

/** The pre-deploy restore a rollback past a migrating release offers: asked first unless `restore: auto`. */
export function restorePhases(state: DeployState, list: '' | 'on_failure.'): Array<Phase | ApprovalPhase> {
  const offered = () => (state.applied && state.backup ? state.backup : undefined);
  const approve: ApprovalPhase = {
    name: 'approve-restore',
    description: 'approve restoring the backup taken before the release',
    ask: () => {
      const backup = offered();
      if (!backup) return { skipped: 'no pre-deploy backup is bound to the release' };
      if (state.definition.restore === 'auto') return { skipped: 'restore: auto needs no approval' };
      return {
        message: `restore snapshot ${backup.snapshot} of ${backup.backup}, taken before release ${state.backupOf ?? state.release?.id}, whose migrations changed the schema? Approve with \`dayshift approve ${state.runId}\``,
        timeoutMs: APPROVAL_MS,
      };
    },
  };
  const restore: Phase = {
    name: 'restore',
    description: 'restore the backup taken before the release',
    timeoutMs: 6 * 3_600_000,
    run: async (ctx) => {
      const backup = offered();
      if (!backup) return { ok: true, skipped: true, detail: 'no pre-deploy backup is bound to the release' };
      if (state.definition.restore !== 'auto') {
        const run = await state.runs.get(state.runId);
        const asked = run?.steps.find((s) => s.name === `${list}approve-restore`);
        if (asked?.outcome !== 'pass')
          return {
            ok: false,
            detail: `not restored: the restore was not approved (${asked?.outcome ?? 'not asked'})`,
          };
      }
      const done = await ctx.backups.restore(backup.backup, {
        snapshot: backup.snapshot,
        signal: ctx.signal,
      });
      // The release says so too: its alert tells whether the database still holds its migrations.
      const of = state.backupOf ?? state.release?.id;
      if (of !== undefined) await state.releases.note(of, { restored: done.detail });
      return { ok: true, detail: done.detail, result: backup };
    },
  };
  return [approve, restore];
}
