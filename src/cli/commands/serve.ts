import type { Command } from 'commander';
import { loadConfigOrThrow } from '../../config/load.js';
import { DayshiftError, EXIT } from '../../errors.js';
import { createLogger, type LogFormat } from '../../log/logger.js';
import { releaseStartupGarbage, sizeHeapForChecks } from '../../runtime/memory.js';
import { colorsOn } from '../../util/terminal.js';
import { configPathOf, globalOptions, storeOptionsFor } from '../context.js';
import { invocation } from '../invocation.js';
import { reloadStackFile, type Served } from './serve-reload.js';

/** Beyond --shutdown-timeout, what the rest of a stop may take before the process exits anyway. */
const STOP_SLACK_MS = 15_000;

/** `dayshift serve`: scheduler, workers and the HTTP API until SIGTERM or SIGINT; SIGHUP reloads the file. */
export function defineServe(serve: Command): void {
  serve
    .option(
      '--listen <host:port>',
      'address to listen on (default: $DAYSHIFT_LISTEN, server.listen, 127.0.0.1:7070)',
    )
    .option('--concurrency <n>', 'jobs this node runs at once', (v) => Number.parseInt(v, 10), 4)
    .option(
      '--shutdown-timeout <ms>',
      'on SIGTERM, how long running jobs may finish before they go back to the queue',
      (v) => Number.parseInt(v, 10),
      30_000,
    )
    .option(
      '--log-format <format>',
      'text (readable lines) or json (JSON lines); default: text on a terminal, json otherwise or with --json',
    )
    .action(
      async (
        options: { listen?: string; concurrency: number; shutdownTimeout: number; logFormat?: string },
        cmd: Command,
      ) => {
        sizeHeapForChecks();
        const configPath = configPathOf(cmd);
        // SIGHUP reloads the file; until the node serves, one is held for then rather than ending the
        // process, which is what Node does with a SIGHUP nobody listens for.
        let hupBeforeStart = false;
        let onHup = () => {
          hupBeforeStart = true;
        };
        const hup = () => onHup();
        process.on('SIGHUP', hup);
        // The file is validated before anything starts: a bad file stops here with every error.
        const { config, warnings, hash } = loadConfigOrThrow(configPath);
        // Loaded here: the HTTP server and everything it serves are only needed by this verb.
        const { startNode } = await import('../../runtime/node.js');
        releaseStartupGarbage();
        const logger = createLogger({ format: logFormatOf(options.logFormat, globalOptions(cmd).json) });
        for (const w of warnings) logger.warn({ file: w.file, line: w.line, col: w.col }, w.message);
        const node = await startNode({
          store: storeOptionsFor(config),
          listen: options.listen ?? process.env.DAYSHIFT_LISTEN ?? config.server?.listen ?? '127.0.0.1:7070',
          metricsPublic: config.server?.metrics?.public ?? true,
          logger,
          concurrency: options.concurrency,
          shutdownDeadlineMs: options.shutdownTimeout,
          stack: { config, configPath, hash },
          command: invocation(globalOptions(cmd).config),
        });
        const served: Served = {
          configPath,
          hash,
          store: storeOptionsFor(config),
          listen: config.server?.listen,
        };
        let reloading = Promise.resolve();
        let stopping = false;
        onHup = () => {
          if (stopping) return;
          logger.info({ signal: 'SIGHUP' }, 'reloading the stack file');
          // One reload at a time; signals during one are served after it, in order.
          reloading = reloading.then(() => reloadStackFile(node, served, logger));
        };
        if (hupBeforeStart) onHup();
        await new Promise<void>((resolve) => {
          const onSignal = (signal: NodeJS.Signals) => {
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
            stopping = true;
            // Jobs get the deadline, aborted ones a grace to let go, the rest (checks, the HTTP
            // server, the store) a few seconds more; a stop that takes longer than all of it is stuck.
            setTimeout(() => {
              logger.error({ deadlineMs: options.shutdownTimeout }, 'stop did not finish in time; exiting');
              process.exit(EXIT.failed);
            }, options.shutdownTimeout + STOP_SLACK_MS).unref();
            node.stop(signal).then(
              () => resolve(),
              (error: unknown) => {
                logger.error({ err: error }, 'stop failed');
                process.exitCode = EXIT.failed;
                resolve();
              },
            );
          };
          process.on('SIGTERM', onSignal);
          process.on('SIGINT', onSignal);
        });
        process.off('SIGHUP', hup);
        logger.info('stopped');
      },
    );
}

/** Readable lines for a person at a terminal; JSON lines for a collector, a file, or when asked. */
function logFormatOf(asked: string | undefined, json: boolean | undefined): LogFormat {
  if (asked !== undefined && asked !== 'text' && asked !== 'json')
    throw new DayshiftError('BAD_REQUEST', `--log-format "${asked}" is not text or json`, {
      hint: 'use --log-format text or --log-format json',
    });
  const text = asked ? asked === 'text' : !json && process.stdout.isTTY === true;
  return text ? { text: { colour: colorsOn(process.stdout) } } : 'json';
}
