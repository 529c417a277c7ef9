import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { dottedPath } from './issues.js';

export interface Position {
  line: number;
  col: number;
}

/** What `${VAR}` substitution did to one value: the variables it used and those that were not set. */
export interface Substitution {
  names: string[];
  unset: string[];
}

/**
 * Maps paths in the loaded data back to the YAML source: where a value or key is written, what the
 * value was, and which variables went into it. Every error and warning is placed through it.
 */
export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly data: unknown,
    private readonly substitutions: ReadonlyMap<string, Substitution>,
  ) {}

  /**
   * Where a path is written. With `key`, the key of the last segment (where an unknown key is);
   * otherwise the value, moved `offset` characters into a string (the column of a bad condition).
   * A path that goes further than the source points at the deepest node found.
   */
  position(path: readonly PropertyKey[], options: { key?: boolean; offset?: number } = {}): Position {
    let node = this.resolve(this.doc.contents as Node | null);
    let offset = node?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (last && options.key) {
          offset = keyNode.range?.[0] ?? offset;
          node = null;
          break;
        }
        node = this.resolve(pair.value as Node | null);
        offset = node?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = this.resolve(node.items[segment] as Node | undefined);
        if (!item) break;
        node = item;
        offset = item.range?.[0] ?? offset;
      } else {
        break;
      }
    }
    if (options.offset !== undefined && isScalar(node)) {
      // Quoted scalars start at their quote; the text starts one character later.
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      offset += options.offset + (quoted ? 1 : 0);
    }
    const pos = this.lines.linePos(offset);
    return { line: pos.line, col: pos.col };
  }

  /** The loaded value at a path (after substitution), or undefined. */
  valueAt(path: readonly PropertyKey[]): unknown {
    let current = this.data;
    for (const segment of path) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<PropertyKey, unknown>)[segment];
    }
    return current;
  }

  /** The variables that went into the value at a path. */
  variablesAt(path: readonly PropertyKey[]): string[] {
    return this.substitutions.get(dottedPath(path))?.names ?? [];
  }

  /** A hint for a value that came out wrong because its variables were not set. */
  unsetHint(path: readonly PropertyKey[]): string | undefined {
    const unset = this.substitutions.get(dottedPath(path))?.unset ?? [];
    if (unset.length === 0) return undefined;
    return `${unset.join(', ')} ${unset.length > 1 ? 'are' : 'is'} not set; set it in the environment or in .env beside the file`;
  }

  private resolve(node: Node | null | undefined): Node | null | undefined {
    return isAlias(node) ? (node.resolve(this.doc) as Node | undefined) : node;
  }
}
