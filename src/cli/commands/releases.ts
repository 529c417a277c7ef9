import type { Command } from 'commander';
import type { StackConfig } from '../../config/schema.js';
import { shortTarget } from '../../deploys/release.js';
import { Releases } from '../../deploys/releases.js';
import { DayshiftError } from '../../errors.js';
import { didYouMean } from '../../schema/did-you-mean.js';
import { systemClock } from '../../util/clock.js';
import { ownValue } from '../../util/own.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { globalOptions, openCliStack } from '../context.js';
import { formatTime, printTable } from '../table.js';

/**
 * `dayshift releases <service>`: every deploy and rollback of a service, newest first, read from the
 * store in this process (no server needed): what ran (the digest or commit), what was asked for, how
 * it ended, whether it is known-good, who, when, its run and the backup bound to it. The live release
 * (the one the service runs now, as far as Dayshift recorded) is marked.
 */
export function defineReleases(releases: Command): void {
  releases
    .argument('<service>', 'a service of the stack file')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (service: string, options: { limit: string }, cmd: Command) => {
      const limit = Number(options.limit);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
        throw new DayshiftError(
          'BAD_REQUEST',
          `--limit must be a whole number from 1 to 1000, got ${options.limit}`,
        );
      const { config, store } = await openCliStack(cmd);
      try {
        refuseUnknownService(config, service);
        const record = new Releases(store.db, systemClock);
        const list = await record.list(service, { limit });
        const live = await record.live(service);
        if (globalOptions(cmd).json) {
          process.stdout.write(
            `${JSON.stringify({ service, liveId: live?.id ?? null, releases: list }, null, 2)}\n`,
          );
          return;
        }
        if (list.length === 0) {
          process.stdout.write(`no releases of ${service} yet\n`);
          return;
        }
        const colours = colorsOn(process.stdout);
        printTable(
          ['ID', 'TARGET', 'REQUESTED', 'ACTION', 'STATE', 'KNOWN-GOOD', 'BY', 'WHEN', 'RUN', 'BACKUP'],
          list.map((r) => [
            String(r.id),
            shortTarget(r.target),
            r.requested,
            r.action,
            tone(r.id === live?.id ? `${r.state} (live)` : r.state, colours),
            r.knownGood ? 'yes' : '-',
            r.createdBy,
            formatTime(r.createdAt),
            r.runId === null ? '-' : String(r.runId),
            r.backup ? `${r.backup.backup}@${r.backup.snapshot}` : '-',
          ]),
        );
      } finally {
        await store.close();
      }
    });
}

/** SERVICE_NOT_FOUND for a name the stack file does not define, with the likely one. */
function refuseUnknownService(config: StackConfig, service: string): void {
  if (ownValue(config.services, service)) return;
  const names = Object.keys(config.services);
  throw new DayshiftError('SERVICE_NOT_FOUND', `no service \`${service}\` in the stack file`, {
    hint:
      names.length === 0
        ? 'the stack file defines no services'
        : (didYouMean(service, names) ?? `services: ${names.join(', ')}`),
  });
}
