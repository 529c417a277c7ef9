import type { Command } from 'commander';
import { formatIssue } from '../../config/issues.js';
import { loadConfig, resolveConfigPath } from '../../config/load.js';
import { globalOptions } from '../context.js';

/** `dayshift validate`: every error in the stack file at once, each at its file:line:col. Exit 2 when invalid. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the stack file and print every error')
    .action((_options: unknown, cmd: Command) => {
      const { config: option, json } = globalOptions(cmd);
      const result = loadConfig(resolveConfigPath(option));
      for (const w of result.warnings)
        process.stderr.write(`warning: ${w.file}:${w.line}:${w.col} ${w.message}\n`);
      if (!result.ok) {
        if (json) process.stdout.write(`${JSON.stringify({ ok: false, errors: result.errors }, null, 2)}\n`);
        else
          process.stderr.write(
            `${result.errors.map(formatIssue).join('\n')}\n${result.errors.length} error(s) in ${result.path}\n`,
          );
        process.exitCode = 2;
        return;
      }
      const c = result.config;
      const services = Object.values(c.services ?? {});
      const summary = {
        services: services.length,
        checks: services.reduce((n, s) => n + Object.keys(s.checks ?? {}).length, 0),
        backups: Object.keys(c.backups ?? {}).length,
        runbooks: Object.keys(c.runbooks ?? {}).length,
        notifiers: Object.keys(c.notifiers ?? {}).length,
      };
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, path: result.path, ...summary })}\n`);
      else
        process.stdout.write(
          `ok: ${result.path} (${summary.services} services, ${summary.checks} checks, ${summary.backups} backups, ${summary.runbooks} runbooks, ${summary.notifiers} notifiers)\n`,
        );
    });
}
