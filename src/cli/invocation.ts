import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * How to run this same `dayshift` again from where it was started, for hints that print a command:
 * `dayshift` when that name on $PATH is this program, `npx dayshift` when it is a project's
 * dependency, else `node <path to main.js>` (the README's way, from a checkout). The stack file
 * follows when it was named with --config, since the command must reach the same store.
 */
export function invocation(configOption?: string): string {
  const script = process.argv[1] ?? 'dayshift';
  const real = realOrSelf(script);
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      const candidate = path.join(dir, 'dayshift');
      return existsSync(candidate) && realOrSelf(candidate) === real;
    });
  const program = onPath
    ? 'dayshift'
    : real.includes(`${path.sep}node_modules${path.sep}`)
      ? 'npx dayshift'
      : `node ${shellQuote(nearest(script))}`;
  return configOption ? `${program} --config ${shellQuote(configOption)}` : program;
}

/** The path as typed from here: relative below the working directory, absolute elsewhere. */
function nearest(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function realOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** A word the shell reads back as it is: quoted only when it has to be. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
