import type { SourceFile } from './architecture.js';

/** One place in `src/` that breaks an error rule, said as `src/<file>:<line> <what>`. */
export interface ErrorFinding {
  file: string;
  line: number;
  text: string;
}

// An error of the language's own classes thrown, or handed to a callback that fails a promise or a
// stream: library code throws DayshiftErrors, whose code decides the exit code and HTTP status.
// Abort reasons (`controller.abort(new Error(...))`) are reasons, not failures anyone is shown.
const PLAIN =
  /\b(?:throw\s+new|(?:reject|fail|done|destroy)\(\s*new)\s+(?:Error|TypeError|RangeError|SyntaxError)\s*\(/g;

/** Where `src/` throws a plain Error (or a TypeError, RangeError, SyntaxError) instead of a coded one. */
export function plainThrows(file: SourceFile): ErrorFinding[] {
  return [...file.text.matchAll(PLAIN)].map((m) => ({
    file: file.path,
    line: lineAt(file.text, m.index),
    text: m[0].replace(/\s*\($/, '').replace(/\s+/g, ' '),
  }));
}

// A catch block, a `.catch((error) => { ... })` callback, or an `'error'` event handler: code that
// holds a caught error and may make a new one from it.
const HANDLERS = [
  /\bcatch\s*(?:\(\s*(\w+)[^)]*\))?\s*\{/g,
  /\.catch\(\s*(?:async\s*)?\(\s*(\w*)[^)]*\)\s*=>\s*\{/g,
  /\.(?:on|once)\(\s*'error',\s*\(\s*(\w*)[^)]*\)\s*=>/g,
];
// A new error thrown, or handed to what fails a promise, a callback or a stream.
const CREATED = /(?:\bthrow\s+|\b(?:reject|fail|done|destroy)\(\s*|[?:]\s*)new\s+\w*Error\s*\(/g;

/**
 * Where a catch block, a `.catch()` callback or an `'error'` handler makes a new error that neither
 * names the caught one nor sets a cause: the reason it caught is lost.
 */
export function droppedCauses(file: SourceFile): ErrorFinding[] {
  const found: ErrorFinding[] = [];
  for (const pattern of HANDLERS)
    for (const m of file.text.matchAll(pattern)) {
      const caught = m[1] ?? '';
      const start = m.index + m[0].length;
      // A block ends at its brace; an arrow without one at the parenthesis that closes `.on(`.
      const end = m[0].endsWith('{')
        ? closing(file.text, start - 1, '{', '}')
        : closing(file.text, file.text.indexOf('(', m.index), '(', ')');
      const body = file.text.slice(start, end);
      for (const t of body.matchAll(CREATED)) {
        const open = start + t.index + t[0].length - 1;
        const created = file.text.slice(open, closing(file.text, open, '(', ')'));
        // Kept: a `cause` option, or the caught error passed whole (a class that takes it by position).
        // Its message quoted in the new one's is not kept: the stack and the code are gone.
        const keeps = /\bcause\b/.test(created) || topLevelArguments(created).includes(caught || '\u0000');
        if (!keeps)
          found.push({
            file: file.path,
            line: lineAt(file.text, start + t.index),
            text: `${t[0].replace(/\s*\($/, '').replace(/\s+/g, ' ')}(...) drops the caught ${caught || 'error'}`,
          });
      }
    }
  return found.sort((a, b) => a.line - b.line);
}

export function formatFindings(findings: ErrorFinding[]): string {
  return findings.map((f) => `src/${f.file}:${f.line} ${f.text}`).join('\n');
}

/** The arguments of a call, `(a, f(b, c), d)` → `['a', 'f(b, c)', 'd']`, trimmed. */
function topLevelArguments(call: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let from = 1;
  for (let i = 0; i < call.length; i++) {
    const ch = call[i];
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') depth--;
    if ((ch === ',' && depth === 1) || (ch === ')' && depth === 0)) {
      args.push(call.slice(from, i).trim());
      from = i + 1;
    }
  }
  return args;
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** The index just past the bracket that closes the one at `open`; strings and comments are not parsed. */
function closing(text: string, open: number, left: string, right: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === left) depth++;
    else if (text[i] === right && --depth === 0) return i + 1;
  }
  return text.length;
}
