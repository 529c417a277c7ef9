import path from 'node:path';
import type { Command } from 'commander';
import { formatIssues, formatWarning } from '../../config/issues.js';
import { type LoadOptions, loadConfig, resolveConfigPath } from '../../config/load.js';
import type { StackConfig } from '../../config/schema.js';
import { EXIT, type ExitCode } from '../../errors.js';
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

/** What `dayshift validate` prints and its exit code, for a stack file; throws what main turns into an exit. */
export function validateStackFile(
  configOption: string | undefined,
  json: boolean,
  options: LoadOptions = {},
): { exitCode: ExitCode; stdout: string; stderr: string } {
  const result = loadConfig(resolveConfigPath(configOption), options);
  const file = path.relative(process.cwd(), result.path) || result.path;
  const stderr = json ? '' : result.warnings.map((w) => `${formatWarning(w)}\n`).join('');
  if (!result.ok) {
    const n = result.errors.length;
    const stdout = json
      ? `${JSON.stringify({ ok: false, file, errors: result.errors, warnings: result.warnings }, null, 2)}\n`
      : `${formatIssues(result.errors)}\n${n} error${n === 1 ? '' : 's'} in ${file}\n`;
    return { exitCode: EXIT.input, stdout, stderr };
  }
  const counts = summary(result.config);
  if (json)
    return {
      exitCode: EXIT.ok,
      stdout: `${JSON.stringify({ ok: true, file, ...counts, warnings: result.warnings }, null, 2)}\n`,
      stderr,
    };
  const parts = Object.entries(counts).map(([what, n]) => `${n} ${n === 1 ? what.replace(/s$/, '') : what}`);
  return { exitCode: EXIT.ok, stdout: `ok: ${file} (${parts.join(', ')})\n`, stderr };
}

/**
 * `dayshift validate`: every error in the stack file at once, each at its file:line:col, and exit 2
 * when there is one. Warnings (unset variables) go to stderr and do not fail the file.
 */
export function defineValidate(validate: Command): void {
  validate.action((_options: unknown, cmd: Command) => {
    const { config, json } = globalOptions(cmd);
    const { exitCode, stdout, stderr } = validateStackFile(config, json === true);
    process.stderr.write(stderr);
    process.stdout.write(stdout);
    if (exitCode !== EXIT.ok) process.exitCode = exitCode;
  });
}
