import { Command, Help } from 'commander';
import { VERSION } from '../version.js';
import { VERBS } from './commands/index.js';

/**
 * The `dayshift` program for one command line. Every verb is listed (name, arguments, description
 * from the table in ./commands), but only the verb the line runs, or asks help for, is loaded: its
 * module and what that imports cost most of a start, so `--help` loads commander and the table alone.
 */
export async function buildProgram(
  args: readonly string[],
  options: { json?: boolean } = {},
): Promise<Command> {
  const program = new Command('dayshift')
    .description('Runs the operations runbook for you, from one dayshift.yaml.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .option('-c, --config <file>', 'the stack file (default: $DAYSHIFT_CONFIG or ./dayshift.yaml)')
    .option('--json', 'machine-readable output; errors as JSON on stderr')
    .showHelpAfterError(!options.json)
    .enablePositionalOptions(false)
    // Usage errors come back to main() instead of ending the process with Commander's own exit code.
    .exitOverride();
  // With --json, main() prints the usage error as JSON; commander's own words would break the parse.
  // Verbs and their subcommands inherit this when they are added.
  // Help asked for goes to stdout all the same; help shown for a missing verb (stderr) is left out too.
  if (options.json) program.configureOutput({ outputError: () => {}, writeErr: () => {} });
  const running = verbOf(program, args);
  const listed = new Map<Command, string>();
  for (const verb of VERBS) {
    const cmd = program.command(verb.name).description(verb.description);
    if (verb.name === running) (await verb.load())(cmd);
    else listed.set(cmd, verb.usage ? `${verb.name} ${verb.usage}` : verb.name);
  }
  // A verb not loaded has no arguments or options yet: the listing takes them from the table.
  program.configureHelp({
    subcommandTerm(cmd) {
      return listed.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  return program;
}

/**
 * The verb a command line runs: its first operand (or the one after `help`), skipping the program's
 * options and the values of those that take one, wherever they stand (positional options are off).
 */
export function verbOf(program: Command, args: readonly string[]): string | undefined {
  const takesValue = new Set(
    program.options
      .filter((o) => o.required)
      .flatMap((o) => [o.short, o.long].filter((f) => f !== undefined)),
  );
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') operands.push(arg);
    else if (takesValue.has(arg)) i++;
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/** Whether the command line asks for machine output (`--json` before any `--`), wherever it stands. */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}
