import { type Document, isPair, isScalar, isSeq, type LineCounter, type Scalar, visit } from 'yaml';
import { interpolate, type Lookup } from './interpolate.js';
import { type ConfigIssue, type ConfigWarning, dottedPath } from './issues.js';
import type { Substitution } from './source-map.js';

export interface SubstitutionOutcome {
  errors: ConfigIssue[];
  warnings: ConfigWarning[];
  /** By dotted path of the value: the variables it used and those left unset. */
  substitutions: Map<string, Substitution>;
}

/**
 * Replaces `${VAR}` in every string value of the document (never in keys), in place. An unquoted
 * value is typed again afterwards, so `port: ${PORT:-5432}` is a number as if 5432 had been written.
 */
export function substituteVariables(
  doc: Document,
  lines: LineCounter,
  file: string,
  lookup: Lookup,
): SubstitutionOutcome {
  const outcome: SubstitutionOutcome = { errors: [], warnings: [], substitutions: new Map() };
  visit(doc, {
    Scalar(key, node, ancestry) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const result = interpolate(node.value, lookup);
      const path = pathOf(ancestry, node);
      const at = { file, ...position(lines, node), path: dottedPath(path) };
      for (const error of result.errors)
        outcome.errors.push({
          ...at,
          message: error.message,
          hint: error.hint ?? 'set it in the environment or in .env beside the file',
        });
      for (const name of result.unset)
        outcome.warnings.push({ ...at, message: `variable ${name} is not set; using an empty string` });
      if (result.names.length > 0)
        outcome.substitutions.set(at.path, { names: result.names, unset: result.unset });
      node.value = node.type === 'PLAIN' ? retype(result.value) : result.value;
    },
  });
  return outcome;
}

function position(lines: LineCounter, node: Scalar): { line: number; col: number } {
  const pos = lines.linePos(node.range?.[0] ?? 0);
  return { line: pos.line, col: pos.col };
}

/** YAML 1.2 core schema typing of a plain scalar's text: integers, floats, booleans; the rest stays text. */
function retype(text: string): string | number | boolean {
  if (/^[-+]?\d+$/.test(text) || /^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  return text;
}

/** The key path of a node from the visitor's ancestry (documents, maps, pairs, sequences). */
function pathOf(ancestry: readonly unknown[], node: unknown): Array<string | number> {
  const out: Array<string | number> = [];
  const chain = [...ancestry, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent) && child === parent.value && isScalar(parent.key)) out.push(String(parent.key.value));
    else if (isSeq(parent)) out.push(parent.items.indexOf(child as never));
  }
  return out;
}
