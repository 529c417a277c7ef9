import type { Command } from 'commander';
import { cliUser } from '../../audit/index.js';
import { type DeployRequest, Deploys } from '../../deploys/deploys.js';
import { EXIT } from '../../errors.js';
import { baseDirOf } from '../../monitor/configured-checks.js';
import { systemClock } from '../../util/clock.js';
import { colorsOn } from '../../util/terminal.js';
import { cliAudited } from '../audited.js';
import { globalOptions, openCliStack, untilInterrupted } from '../context.js';
import { printEvent } from './run-output.js';

/**
 * Opens the deploy or rollback (refused when one of the service is going anywhere), carries it out in
 * this process with each phase printed as it ends, and exits 0 when it succeeded, 1 when it failed
 * (rolled back or not) or was cancelled. An approval it waits on is given from any terminal with
 * `dayshift approve <run>`.
 */
async function carryOut(cmd: Command, request: Omit<DeployRequest, 'by'>): Promise<void> {
  const { config, configPath, store } = await openCliStack(cmd);
  try {
    const deploys = new Deploys({
      config,
      configPath,
      baseDir: baseDirOf(configPath),
      store,
      clock: systemClock,
    });
    const json = globalOptions(cmd).json === true;
    const full: DeployRequest = { ...request, by: cliUser() };
    const runId = await cliAudited(
      store,
      { action: request.action, target: request.service, params: paramsOf(request) },
      () => deploys.open(full, `cli:${full.by}`),
      (id) => ({ runId: id }),
    );
    if (!json) process.stderr.write(`run ${runId}: ${request.action} of ${request.service}\n`);
    const colours = colorsOn(process.stdout);
    const end = await untilInterrupted((signal) =>
      deploys.execute(runId, full, {
        signal,
        onEvent: json ? undefined : (event) => printEvent(event, runId, colours),
      }),
    );
    if (json) {
      const record = await deploys.runs.get(runId);
      process.stdout.write(
        `${JSON.stringify({ ...record, releases: await deploys.releases.ofRun(runId) }, null, 2)}\n`,
      );
    }
    if (end.status !== 'succeeded') process.exitCode = EXIT.failed;
  } finally {
    await store.close();
  }
}

function paramsOf(request: Omit<DeployRequest, 'by'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['image', 'ref', 'to'] as const) {
    const value = request[key];
    if (value) out[key] = value;
  }
  return out;
}

/** `dayshift deploy <service> --image <ref>` (or `--ref <git ref>` for a service deployed by ref). */
export function defineDeploy(deploy: Command): void {
  deploy
    .argument('<service>', 'a service of the stack file')
    .option('--image <ref>', 'the image: repo:tag, repo@sha256:…, or a tag or digest of the deploy’s image:')
    .option('--ref <ref>', 'for a service deployed by ref (repo: under deploys:): a tag, branch or commit')
    .action(async (service: string, options: { image?: string; ref?: string }, cmd: Command) => {
      await carryOut(cmd, { service, action: 'deploy', image: options.image, ref: options.ref });
    });
}

/** `dayshift rollback <service> [--to <release>]`: back to the last known-good release, or the one named. */
export function defineRollback(rollback: Command): void {
  rollback
    .argument('<service>', 'a service of the stack file')
    .option('--to <release>', 'a release id, or a digest or commit prefix (dayshift releases lists them)')
    .action(async (service: string, options: { to?: string }, cmd: Command) => {
      await carryOut(cmd, { service, action: 'rollback', to: options.to });
    });
}
