import { Composer, type CST, Document, LineCounter, Parser, YAMLParseError } from 'yaml';
import type { ConfigIssue } from './issues.js';
import { tooDeep, YAML_LIMITS } from './yaml-limits.js';
import { checkYamlStructure } from './yaml-structure.js';

export interface YamlSource {
  doc: Document;
  lines: LineCounter;
  /** Syntax errors: the document cannot be trusted beyond them. */
  syntaxErrors: ConfigIssue[];
  /** Duplicate keys: the document is otherwise sound, so validation goes on. */
  duplicateErrors: ConfigIssue[];
}

/**
 * `merge: true` lets `<<: *defaults` work as in Docker Compose files. YAML 1.1's typed values
 * (`!!binary`, `!!set`, `!!timestamp`...) are left unresolved, for yaml-structure.ts to refuse, and
 * the library logs nothing: what it would warn about is an issue here.
 */
const OPTIONS = {
  uniqueKeys: true,
  prettyErrors: false,
  merge: true,
  resolveKnownTags: false,
  logLevel: 'error',
} as const;

/**
 * Parses the stack file keeping source positions; YAML's own errors become positioned issues, and so
 * does whatever would make turning the document into data throw (see yaml-structure.ts) or overflow
 * the stack (nesting deeper than YAML_LIMITS.nesting, refused before the document is composed).
 */
export function readYaml(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    const pos = lines.linePos(deep);
    return {
      doc: new Document(null),
      lines,
      syntaxErrors: [
        {
          file,
          line: pos.line,
          col: pos.col,
          path: '',
          message: `mappings and lists nested more than ${YAML_LIMITS.nesting} levels deep`,
          hint: 'a stack file needs about ten levels; flatten this value',
        },
      ],
      duplicateErrors: [],
    };
  }
  const doc = compose(tokens, text.length);
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
  // Structure problems stop the load like syntax errors: the data cannot be built without them.
  if (syntaxErrors.length === 0) syntaxErrors.push(...checkYamlStructure(doc, lines, file));
  return { doc, lines, syntaxErrors, duplicateErrors };
}

/** What parseDocument does, on tokens already read: one document; a second one is an error. */
function compose(tokens: CST.Token[], end: number): Document {
  let doc: Document | undefined;
  for (const next of new Composer(OPTIONS).compose(tokens, true, end)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents',
        ),
      );
      break;
    }
  }
  return doc ?? new Document(null);
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
