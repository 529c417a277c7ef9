import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DayshiftError } from '../../errors.js';
import { globalOptions } from '../context.js';
import { findComposeFile, readComposeFile } from '../init/compose-file.js';
import { minimalStack, stackFromCompose, stackNameFor } from '../init/starter-file.js';
import { invocation } from '../invocation.js';

/**
 * `dayshift init [--compose FILE] [--force]`: writes a starter stack file (`--config`, or
 * ./dayshift.yaml) from the Compose file beside it, or a commented minimal one without. It never
 * overwrites a stack file unless told to.
 */
export function defineInit(init: Command): void {
  init
    .option('--compose <file>', 'the Compose file to read (default: compose.yaml or docker-compose.yml here)')
    .option('--force', 'overwrite an existing stack file')
    .action((options: { compose?: string; force?: boolean }, cmd: Command) => {
      const global = globalOptions(cmd);
      const target = path.resolve(global.config ?? process.env.DAYSHIFT_CONFIG ?? 'dayshift.yaml');
      const shown = path.relative(process.cwd(), target) || target;
      if (existsSync(target) && !options.force)
        throw new DayshiftError('BAD_REQUEST', `${shown} already exists; init leaves it as it is`, {
          hint: 'pass --force to replace it, or --config <file> to write another file',
        });
      const dir = path.dirname(target);
      const compose = options.compose ? path.resolve(options.compose) : findComposeFile(dir);
      if (options.compose && !existsSync(compose as string))
        throw new DayshiftError('CONFIG_NOT_FOUND', `no Compose file at ${options.compose}`, {
          hint: 'name an existing file with --compose, or leave it out to write a minimal stack file',
        });
      const stack = stackNameFor(target);
      const services = compose ? readComposeFile(compose) : [];
      const { text, checks } = compose
        ? stackFromCompose(stack, path.relative(dir, compose) || compose, services)
        : { text: minimalStack(stack), checks: 0 };
      writeFileSync(target, text, { flag: options.force ? 'w' : 'wx' });
      if (global.json) {
        process.stdout.write(
          `${JSON.stringify({ file: target, compose: compose ?? null, services: services.length, checks })}\n`,
        );
        return;
      }
      process.stdout.write(
        compose
          ? `wrote ${shown}: ${services.length} service${services.length === 1 ? '' : 's'} and ${checks} check${checks === 1 ? '' : 's'} from ${path.relative(process.cwd(), compose) || compose}\n`
          : `wrote ${shown}: a minimal stack file (no Compose file found in ${path.relative(process.cwd(), dir) || '.'})\n`,
      );
      const again = invocation(global.config);
      process.stdout.write(`next: ${again} validate, then ${again} check\n`);
    });
}
