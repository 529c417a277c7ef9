import path from 'node:path';
import type { Command } from 'commander';
import { formatIssues, formatWarning } from '../../config/issues.js';
import { loadConfig, resolveConfigPath } from '../../config/load.js';
import type { StackConfig } from '../../config/schema.js';
import { globalOptions } from '../context.js';

/** What a valid file holds, for the one-line summary. */
function summary(config: StackConfig): Record<string, number> {
  const services = Object.values(config.services);
  return {
    services: services.length,
    checks: services.reduce((n, s) => n + Object.keys(s.checks).length, 0),
    rules: Object.keys(config.rules).length,
    notifiers: Object.keys(config.notifiers).length,
    backups: Object.keys(config.backups).length,
    'smoke suites': Object.keys(config.smoke).length,
    runbooks: Object.keys(config.runbooks).length,
    deploys: Object.keys(config.deploys).length,
  };
}

/**
 * `dayshift validate`: every error in the stack file at once, each at its file:line:col, and exit 2
 * when there is one. Warnings (unset variables) go to stderr and do not fail the file.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the stack file and print every error at once (exit 2 when invalid)')
    .action((_options: unknown, cmd: Command) => {
      const { config: option, json } = globalOptions(cmd);
      const result = loadConfig(resolveConfigPath(option));
      const file = path.relative(process.cwd(), result.path) || result.path;
      if (!json) for (const w of result.warnings) process.stderr.write(`${formatWarning(w)}\n`);
      if (!result.ok) {
        const n = result.errors.length;
        if (json)
          process.stdout.write(
            `${JSON.stringify({ ok: false, file, errors: result.errors, warnings: result.warnings }, null, 2)}\n`,
          );
        else
          process.stdout.write(
            `${formatIssues(result.errors)}\n${n} error${n === 1 ? '' : 's'} in ${file}\n`,
          );
        process.exitCode = 2;
        return;
      }
      const counts = summary(result.config);
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ ok: true, file, ...counts, warnings: result.warnings }, null, 2)}\n`,
        );
        return;
      }
      const parts = Object.entries(counts).map(
        ([what, n]) => `${n} ${n === 1 ? what.replace(/s$/, '') : what}`,
      );
      process.stdout.write(`ok: ${file} (${parts.join(', ')})\n`);
    });
}
