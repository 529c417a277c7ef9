/**
 * Gatus's `pat()` is Go's path/filepath.Match after every `/` is removed from the pattern and the text.
 * Its syntax is not a regular expression's: `*` is any run of characters, `?` one character, `\c`
 * the character c, and `[...]` a class of single characters and `lo-hi` ranges (`[^...]` negates),
 * where `\` also escapes: `[\d]` is the letter d, not a digit. `-` outside a class is itself.
 *
 * Go reports a malformed pattern as an error that Gatus drops, so such a pattern never matches and a
 * `!=` on it always passes. Here a malformed pattern is a problem found when the config loads.
 */

type Piece =
  | { kind: 'star' }
  | { kind: 'one' }
  | { kind: 'char'; ch: string }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };

/** What is wrong with a pattern, at which character of it (counted after the `/` are removed). */
export interface GlobProblem {
  message: string;
  at: number;
  hint: string;
}

export type CompiledGlob = { pieces: Piece[] } | { problem: GlobProblem };

const CLASS_HINT =
  'a class is [abc], [a-z] or [^0-9]; write \\- for a literal -, \\] for ] and \\\\ for \\ inside it';

/** Reads a pattern the way filepath.Match does, or says why Go would refuse it. */
export function compileGlob(pattern: string): CompiledGlob {
  const chars = Array.from(pattern.replaceAll('/', ''));
  const pieces: Piece[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') pieces.push({ kind: 'star' });
    else if (ch === '?') pieces.push({ kind: 'one' });
    else if (ch === '\\') {
      const next = chars[++i];
      if (next === undefined)
        return bad('the pattern ends with a \\ that escapes nothing', i - 1, 'write \\\\ for a literal \\');
      pieces.push({ kind: 'char', ch: next });
    } else if (ch === '[') {
      const read = readClass(chars, i);
      if ('problem' in read) return read;
      pieces.push(read.piece);
      i = read.end;
    } else pieces.push({ kind: 'char', ch });
  }
  return { pieces };
}

function bad(message: string, at: number, hint: string): { problem: GlobProblem } {
  return { problem: { message, at, hint } };
}

/** A `[...]` class starting at `start`; `end` is the index of its `]`. */
function readClass(chars: string[], start: number): { piece: Piece; end: number } | { problem: GlobProblem } {
  let i = start + 1;
  const negated = chars[i] === '^';
  if (negated) i++;
  const ranges: Array<[number, number]> = [];
  // One character of a class: `\c` is c; an unescaped `-` or `]` cannot start a range.
  const single = (afterDash: boolean): number | GlobProblem => {
    const ch = chars[i];
    if (ch === undefined) return { message: 'the class [ has no closing ]', at: start, hint: CLASS_HINT };
    if (ch === '-' || ch === ']')
      return {
        message:
          ch === ']' && !afterDash
            ? 'the class [] is empty'
            : 'a - in a class must be escaped or stand between two characters',
        at: afterDash ? i - 1 : i,
        hint: CLASS_HINT,
      };
    if (ch === '\\') {
      i++;
      const escaped = chars[i];
      if (escaped === undefined)
        return { message: 'the class [ has no closing ]', at: start, hint: CLASS_HINT };
      i++;
      return escaped.codePointAt(0) as number;
    }
    i++;
    return ch.codePointAt(0) as number;
  };
  for (;;) {
    if (chars[i] === ']' && ranges.length > 0) return { piece: { kind: 'class', negated, ranges }, end: i };
    const lo = single(false);
    if (typeof lo !== 'number') return { problem: lo };
    let hi = lo;
    if (chars[i] === '-') {
      i++;
      const upper = single(true);
      if (typeof upper !== 'number') return { problem: upper };
      hi = upper;
    }
    ranges.push([lo, hi]);
  }
}

const compiled = new Map<string, CompiledGlob>();

/** Whether the text matches the pattern; a malformed pattern matches nothing, as in Go. */
export function globMatch(pattern: string, text: string): boolean {
  if (pattern === '*') return true;
  let glob = compiled.get(pattern);
  if (!glob) {
    glob = compileGlob(pattern);
    // Patterns come from the stack file and from resolved values; keep the cache from growing without end.
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, glob);
  }
  if ('problem' in glob) return false;
  return matchPieces(glob.pieces, Array.from(text.replaceAll('/', '')));
}

/** Matching with backtracking to the last `*`, which finds a match whenever one exists. */
function matchPieces(pieces: readonly Piece[], text: readonly string[]): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let starText = 0;
  while (t < text.length) {
    const piece = pieces[p];
    if (piece?.kind === 'star') {
      starAt = p++;
      starText = t;
    } else if (piece && matchesOne(piece, text[t] as string)) {
      p++;
      t++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++starText;
    } else return false;
  }
  while (pieces[p]?.kind === 'star') p++;
  return p === pieces.length;
}

function matchesOne(piece: Piece, ch: string): boolean {
  switch (piece.kind) {
    case 'one':
      return true;
    case 'char':
      return piece.ch === ch;
    case 'class': {
      const code = ch.codePointAt(0) as number;
      const inside = piece.ranges.some(([lo, hi]) => lo <= code && code <= hi);
      return inside !== piece.negated;
    }
    case 'star':
      return false;
  }
}
