import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

/**
 * Finds where a path points in the YAML source. With `key`, points at the key of the last segment
 * (where an unknown key is written); otherwise at the value. An unresolvable tail points at the
 * deepest node found, so every error still has a useful place.
 */
export function positionOf(
  doc: Document,
  lines: LineCounter,
  path: ReadonlyArray<PropertyKey>,
  options: { key?: boolean; offset?: number } = {},
): Position {
  let node: Node | null | undefined = doc.contents as Node | null;
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
        break;
      }
      node = pair.value as Node | null;
      offset = node?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
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
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}
