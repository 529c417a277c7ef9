import { type Document, LineCounter, parseDocument } from 'yaml';
import type { ConfigIssue } from './issues.js';

export interface YamlSource {
  doc: Document;
  lines: LineCounter;
  /** Syntax errors: the document cannot be trusted beyond them. */
  syntaxErrors: ConfigIssue[];
  /** Duplicate keys: the document is otherwise sound, so validation goes on. */
  duplicateErrors: ConfigIssue[];
}

/** Parses the stack file keeping source positions; YAML's own errors become positioned issues. */
export function readYaml(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  // `merge: true` lets `<<: *defaults` work as in Docker Compose files.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true });
  const syntaxErrors: ConfigIssue[] = [];
  const duplicateErrors: ConfigIssue[] = [];
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    const at = { file, line: pos.line, col: pos.col, path: '' };
    if (error.code === 'DUPLICATE_KEY') {
      const key = /^("[^"]*"|'[^']*'|[^:\n]+?)\s*:/.exec(text.slice(error.pos[0]))?.[1] ?? '';
      duplicateErrors.push({
        ...at,
        message: `duplicate name \`${key.replace(/^["']|["']$/g, '')}\`: a key may appear once in a mapping`,
        hint: 'rename one of the entries or merge them',
      });
    } else {
      syntaxErrors.push({
        ...at,
        message: `invalid YAML: ${firstLine(error.message)}`,
        hint: hintFor(error.code),
      });
    }
  }
  return { doc, lines, syntaxErrors, duplicateErrors };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function hintFor(code: string): string | undefined {
  if (code === 'TAB_AS_INDENT') return 'indent with spaces; YAML does not allow tabs for indentation';
  if (code === 'MULTIPLE_DOCS') return 'a stack file is one YAML document; remove the extra ---';
  if (code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MISSING_CHAR')
    return 'check the brackets, quotes and indentation on this line and the one before';
  return undefined;
}
