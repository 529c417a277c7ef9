import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { DayshiftError, EXIT } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { baseDirOf } from '../../monitor/configured-checks.js';
import { notifierKinds } from '../../notifiers/registry.js';
import { renderNotification } from '../../notifiers/shared/templates.js';
import { DeliveryError, type NotifiedAlert, type NotifierKindDefinition } from '../../notifiers/types.js';
import { didYouMean } from '../../schema/did-you-mean.js';
import { ownValue } from '../../util/own.js';
import { cliAudited } from '../audited.js';
import { globalOptions, openCliStack } from '../context.js';

/** `dayshift notify test <notifier>`: sends a test message now and says what the receiver answered. */
export function defineNotify(notify: Command): void {
  notify
    .command('test')
    .description('send a test notification to one notifier now; exit 1 if it is not accepted')
    .argument('<notifier>', 'a notifier name from dayshift.yaml')
    .option('--timeout <seconds>', 'give up after this long', '20')
    .action(async (name: string, options: { timeout: string }, cmd: Command) => {
      const { config, configPath, store } = await openCliStack(cmd);
      try {
        const definition = ownValue(config.notifiers, name);
        const started = Date.now();
        try {
          // Recorded once, whatever the end: an unknown notifier (refused), a receiver that
          // refused the message (failed), or accepted.
          const receipt = await cliAudited(
            store,
            { action: 'notify.test', target: name, params: { timeout: options.timeout } },
            async () => {
              if (!definition) {
                const known = Object.keys(config.notifiers);
                throw new DayshiftError('NOT_FOUND', `no notifier "${name}" in the stack file`, {
                  hint: known.length
                    ? `${didYouMean(name, known) ?? `known notifiers: ${known.join(', ')}`}`
                    : 'define one under notifiers: in dayshift.yaml',
                });
              }
              const kind = notifierKinds[definition.kind] as NotifierKindDefinition;
              return kind.send(
                definition.options,
                testNotification(config.stack, name, definition.template),
                {
                  notifier: name,
                  signal: AbortSignal.timeout(Number(options.timeout) * 1_000 || 20_000),
                  baseDir: baseDirOf(configPath),
                  logger: silentLogger(),
                },
              );
            },
          );
          if (!definition) return;
          const result = {
            notifier: name,
            kind: definition.kind,
            ok: true,
            ms: Date.now() - started,
            ...receipt,
          };
          if (globalOptions(cmd).json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else
            process.stdout.write(
              `${name} (${definition.kind}) accepted the test message in ${result.ms} ms${receipt.status ? `: ${receipt.status}` : ''}${receipt.detail ? ` ${receipt.detail}` : ''}\n`,
            );
        } catch (error) {
          if (!definition) throw error;
          const message = error instanceof Error ? error.message : String(error);
          const retryable = error instanceof DeliveryError ? error.retryable : true;
          if (globalOptions(cmd).json)
            process.stdout.write(
              `${JSON.stringify({ notifier: name, kind: definition.kind, ok: false, error: message, retryable }, null, 2)}\n`,
            );
          else
            process.stderr.write(
              `${name} (${definition.kind}) did not accept the test message: ${message}\n${retryable ? 'a real delivery would be retried with backoff' : 'a real delivery would not be retried: fix the notifier settings'}\n`,
            );
          process.exitCode = EXIT.failed;
        }
      } finally {
        await store.close();
      }
    });
}

/** The one-alert notification a test sends, rendered with the notifier's own template. */
function testNotification(
  stack: string | undefined,
  name: string,
  template: Parameters<typeof renderNotification>[1],
): ReturnType<typeof renderNotification> {
  const now = new Date();
  const alert: NotifiedAlert = {
    id: 0,
    key: `test:${name}`,
    event: 'test',
    name: `test notification to ${name}`,
    origin: 'test',
    severity: 'low',
    state: 'firing',
    flapping: false,
    summary: `dayshift notify test ${name}: if you read this, ${name} works`,
    labels: { notifier: name },
    startedAt: now.toISOString(),
  };
  return renderNotification(
    { deliveryId: randomUUID(), stack: stack ?? 'dayshift', alerts: [alert], createdAt: now.toISOString() },
    template,
  );
}
