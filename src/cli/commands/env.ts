import path from 'node:path';
import type { Command } from 'commander';
import { loadConfigOrThrow } from '../../config/load.js';
import { checkEnv, chooseSource, type EnvReport } from '../../env-contract/check-env.js';
import { EXIT } from '../../errors.js';
import { configPathOf, globalOptions } from '../context.js';
import { printTable } from '../table.js';

/**
 * `dayshift env check`: the environment contract (`env:` in the file) against a `.env` file or this
 * process's environment. It prints which rule failed and why, and never a secret's value.
 */
export function defineEnv(env: Command): void {
  env
    .command('check')
    .description('check the environment contract; exit 1 if a rule fails; never prints a secret value')
    .option('--file <path>', 'a .env file to check (default: env.file beside the stack file, when it exists)')
    .option('--process', 'check the environment of this process instead of a file')
    .action((options: { file?: string; process?: boolean }, cmd: Command) => {
      const configPath = configPathOf(cmd);
      const { config } = loadConfigOrThrow(configPath);
      const report = checkEnv(config, chooseSource(config, path.dirname(path.resolve(configPath)), options));
      if (globalOptions(cmd).json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report, Object.keys(config.env?.vars ?? {}).length);
      if (!report.ok) process.exitCode = EXIT.failed;
    });
}

function printReport(report: EnvReport, variables: number): void {
  const from = report.source.kind === 'file' ? report.source.path : 'the environment of this process';
  if (variables === 0) {
    process.stdout.write(`the stack file has no env: contract (checked ${from})\n`);
    return;
  }
  process.stdout.write(`checking ${variables} variables from ${from}\n\n`);
  printTable(
    ['VARIABLE', 'RULE', 'OK', 'WHY'],
    report.results.map((r) => [
      r.variable + (r.secret ? ' (secret)' : ''),
      r.rule,
      r.ok ? 'ok' : 'FAIL',
      r.reason ?? '',
    ]),
  );
  const failed = report.results.filter((r) => !r.ok);
  process.stdout.write(
    failed.length === 0
      ? '\nthe contract holds\n'
      : `\n${failed.length} rule${failed.length === 1 ? '' : 's'} failed on ${new Set(failed.map((r) => r.variable)).size} variable(s)\n`,
  );
}
