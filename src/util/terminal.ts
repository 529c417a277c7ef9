/**
 * Colour on a terminal, as other command-line tools decide it: never when NO_COLOR is set (no-color.org),
 * always when FORCE_COLOR is set to anything but 0 (as Node and chalk read it), else only when the
 * stream is a terminal, so pipes, files and CI logs get plain text.
 */
export function colorsOn(stream: { isTTY?: boolean } = process.stdout): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** The few ANSI colours Dayshift uses: the colour of a word says how good it is. */
const SGR = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof SGR;

/** `text` in `colour` when `on`, else as it is. */
export function paint(text: string, colour: Colour | undefined, on: boolean): string {
  return on && colour && text ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text;
}

/** The colour of a state, an outcome or a log level, wherever Dayshift prints one. */
const TONE: Readonly<Record<string, Colour>> = {
  healthy: 'green',
  ok: 'green',
  pass: 'green',
  passed: 'green',
  succeeded: 'green',
  resolved: 'green',
  verified: 'green',
  degraded: 'yellow',
  warn: 'yellow',
  pending: 'yellow',
  waiting: 'yellow',
  interrupted: 'yellow',
  starting: 'cyan',
  running: 'cyan',
  deploying: 'cyan',
  queued: 'cyan',
  paused: 'dim',
  unknown: 'dim',
  cancelled: 'dim',
  skipped: 'yellow',
  debug: 'dim',
  info: 'cyan',
  unhealthy: 'red',
  fail: 'red',
  failed: 'red',
  firing: 'red',
  error: 'red',
  fatal: 'red',
};

/** A state word in its colour (`healthy` green, `unhealthy` red); other words as they are. */
export function tone(word: string, on: boolean): string {
  return paint(word, TONE[word.split(' ')[0] ?? ''], on);
}

/** The width a cell takes on screen: escape codes take none. */
export function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is matched
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
