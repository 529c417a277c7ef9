import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { z } from 'zod';
import { commandLine, timeout } from '../schema/values.js';
import { clip } from './shared/http-post.js';
import { DeliveryError, type NotifierKindDefinition } from './types.js';

const options = z.strictObject({ run: commandLine(), timeout: timeout().prefault('30s') });

/**
 * A program that receives the whole notification as JSON on stdin, run from the stack file's folder.
 * Exit 0 is a delivery; anything else is retried. It leads its own process group, so a timeout kills
 * everything it started.
 */
export const commandNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'command',
  description: 'a program that receives the alert as JSON on stdin',
  options,
  send(opts, n, context) {
    const [file, args] =
      typeof opts.run === 'string' ? ['/bin/sh', ['-c', opts.run]] : [opts.run[0] ?? '', opts.run.slice(1)];
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(opts.timeout)]);
    return new Promise((done, fail) => {
      const child = spawn(file, args, {
        cwd: resolve(context.baseDir),
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, DAYSHIFT_DELIVERY_ID: n.deliveryId },
      });
      let output = '';
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-2_000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is already gone
        }
      };
      signal.addEventListener('abort', killGroup, { once: true });
      child.stdin.on('error', () => {
        // a program that exits without reading stdin; its exit code says the rest
      });
      child.stdin.end(JSON.stringify(n));
      child.once('error', (error) => {
        signal.removeEventListener('abort', killGroup);
        fail(
          new DeliveryError(`could not run ${file}: ${error.message}`, { retryable: false, cause: error }),
        );
      });
      child.once('close', (code, killedBy) => {
        signal.removeEventListener('abort', killGroup);
        killGroup();
        const said = clip(output.trim(), 500);
        if (code === 0) return done({ status: 0, ...(said ? { detail: said } : {}) });
        const why = signal.aborted
          ? `was killed after ${Math.round(opts.timeout / 1000)} s`
          : killedBy
            ? `was killed by ${killedBy}`
            : `exited with ${code}`;
        fail(
          new DeliveryError(`the notify command ${why}${said ? `: ${said}` : ''}`, {
            retryable: true,
            status: code ?? undefined,
          }),
        );
      });
    });
  },
};
