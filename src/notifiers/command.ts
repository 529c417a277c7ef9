import { resolve } from 'node:path';
import { z } from 'zod';
import { commandOf, programOf, runProcess } from '../process/index.js';
import { commandLine, timeout } from '../schema/values.js';
import { clip } from './shared/http-post.js';
import { webhookPayload } from './shared/webhook-payload.js';
import { DeliveryError, type NotifierKindDefinition } from './types.js';

const options = z.strictObject({ run: commandLine(), timeout: timeout().prefault('30s') });

/**
 * A program that receives the whole notification on stdin as the webhook's v1 JSON payload, run from the stack file's folder.
 * Exit 0 is a delivery; anything else is retried. It leads its own process group, so a timeout kills
 * everything it started.
 */
export const commandNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'command',
  description: 'a program that receives the alert as JSON on stdin',
  options,
  async send(opts, n, context) {
    const command = commandOf(opts.run);
    const run = await runProcess(command, {
      cwd: resolve(context.baseDir),
      env: { DAYSHIFT_DELIVERY_ID: n.deliveryId },
      stdin: JSON.stringify(webhookPayload(n)),
      signal: context.signal,
      timeoutMs: opts.timeout,
      mergeOutput: true,
      tailBytes: { stdout: 2_000 },
    });
    if (run.startError)
      throw new DeliveryError(`could not run ${programOf(command)}: ${run.startError.message}`, {
        retryable: false,
      });
    const said = clip(run.stdout.trim(), 500);
    if (run.exitCode === 0) return { status: 0, ...(said ? { detail: said } : {}) };
    const why =
      run.timedOut || run.aborted
        ? `was killed after ${Math.round(opts.timeout / 1000)} s`
        : run.signal
          ? `was killed by ${run.signal}`
          : `exited with ${run.exitCode}`;
    throw new DeliveryError(`the notify command ${why}${said ? `: ${said}` : ''}`, {
      retryable: true,
      status: run.exitCode ?? undefined,
    });
  },
};
