import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERBS } from '../../src/cli/commands/index.js';
import { buildProgram, verbOf } from '../../src/cli/program.js';
import { CLI, scratch } from '../config/fixtures.js';

const tmp = scratch('verbs');
afterAll(tmp.cleanup);

beforeAll(() => {
  expect(existsSync(CLI)).toBe(true);
}, 120_000);

function dayshift(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `name usage` as the table says `dayshift --help` lists it. */
const listed = (verb: (typeof VERBS)[number]) => (verb.usage ? `${verb.name} ${verb.usage}` : verb.name);

describe('dayshift --help', () => {
  it('lists every verb with its arguments and description, each once', () => {
    const { code, stdout } = dayshift(['--help']);
    expect(code).toBe(0);
    const commands = stdout.slice(stdout.indexOf('Commands:'));
    for (const verb of VERBS) {
      const line = commands.split('\n').find((l) => l.trimStart().startsWith(`${listed(verb)} `));
      expect(line, verb.name).toBeDefined();
      // Descriptions wrap: compare the words that follow the term, joined across lines.
      const words = commands.replace(/\s+/g, ' ');
      expect(words).toContain(`${listed(verb)} ${verb.description}`);
    }
    expect(new Set(VERBS.map((v) => v.name)).size).toBe(VERBS.length);
  });

  it('lists each verb as its own definition does, so the table cannot drift from the verbs', async () => {
    for (const verb of VERBS) {
      const program = await buildProgram([verb.name]);
      const cmd = program.commands.find((c) => c.name() === verb.name) as Command;
      // The verb that runs is defined by its module: commander spells its term from what it declares.
      expect(program.createHelp().subcommandTerm(cmd), verb.name).toBe(listed(verb));
      expect(cmd.description()).toBe(verb.description);
    }
  });

  it('shows a verb group its subcommands, through `help <verb>` and `<verb> --help`', () => {
    for (const args of [
      ['help', 'backup'],
      ['backup', '--help'],
    ]) {
      const { code, stdout } = dayshift(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toContain('Usage: dayshift backup [options] [command]');
      for (const sub of ['run <name>', 'restore [options] <name> [snapshot]', 'drill <name>'])
        expect(stdout).toContain(sub);
    }
  });
});

describe('running a verb loaded on demand', () => {
  it('still exits with the code its error carries, after the global options', () => {
    const missing = path.join(tmp.dir, 'missing.yaml');
    for (const args of [
      ['--config', missing, 'status'],
      [`--config=${missing}`, 'status'],
      ['status', '-c', missing],
    ]) {
      const { code, stderr } = dayshift(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('no stack file at');
    }
  });

  it('refuses an unknown verb with a suggestion and the list of verbs', () => {
    const { code, stderr } = dayshift(['valdate']);
    // A usage error is wrong input: 2, as docs/cli.md says.
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'valdate'");
    expect(stderr).toContain('Did you mean validate?');
    expect(stderr).toContain('smoke <suite>');
  });

  it('checks a verb options as before: an unknown one is refused by the verb', () => {
    const { code, stderr } = dayshift(['status', '--wtach']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--wtach'");
    expect(stderr).toContain('--watch');
  });
});

describe('the verb a command line runs', () => {
  const program = new Command('dayshift').option('-c, --config <file>').option('--json');
  it.each([
    [['validate'], 'validate'],
    [['--config', 'status', 'validate'], 'validate'],
    [['-c', 'x.yaml', '--json', 'backup', 'run', 'db'], 'backup'],
    [['--config=x.yaml', 'jobs', 'list'], 'jobs'],
    [['-cx.yaml', 'queue'], 'queue'],
    [['--json', 'help', 'token'], 'token'],
    [['--', 'check'], 'check'],
    [['--help'], undefined],
    [[], undefined],
  ])('%j runs %s', (args, verb) => {
    expect(verbOf(program, args)).toBe(verb);
  });
});
