import type { CST } from 'yaml';

/**
 * Bounds on the shape of a stack file. A real one nests about ten levels deep and uses a few dozen
 * aliases; these are far beyond that, and far below what would exhaust the stack or the memory of
 * the process reading it (the YAML composer and the validators are recursive).
 */
export const YAML_LIMITS = {
  /** Mappings and lists inside each other. */
  nesting: 64,
  /** Alias uses, each counted with the aliases its anchor holds (what expanding them would copy). */
  aliasExpansions: 500,
} as const;

/**
 * The offset of the first collection nested deeper than the limit, found on the parser's tokens
 * before the document is composed (composing such a file is what overflows the stack).
 */
export function tooDeep(
  tokens: readonly CST.Token[],
  limit: number = YAML_LIMITS.nesting,
): number | undefined {
  // Depth first, in file order (the stack is popped from its end), so the first offender is reported.
  const stack: Array<{ token: CST.Token; depth: number }> = tokens
    .map((token) => ({ token, depth: 0 }))
    .reverse();
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token; depth: number };
    if (token.type === 'document') {
      if (token.value) stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection')
      continue;
    const inner = depth + 1;
    if (inner > limit) return token.offset;
    for (const item of [...(token.items as CST.CollectionItem[])].reverse()) {
      if (item.value) stack.push({ token: item.value, depth: inner });
      if (item.key) stack.push({ token: item.key, depth: inner });
    }
  }
  return undefined;
}
