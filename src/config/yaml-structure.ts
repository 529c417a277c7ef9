import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
} from 'yaml';
import type { ConfigIssue } from './issues.js';
import { YAML_LIMITS } from './yaml-limits.js';

/**
 * What the YAML library would throw on, or silently drop, when the document becomes data, found on
 * the document first so each is an error at its line and column: an alias without its anchor, an
 * alias inside its own anchor, aliases that would expand without bound, a `<<` merge of something
 * other than mappings, a key that is a mapping or a list, `__proto__` as a key, and tags beyond the
 * core schema's (`!!binary`, `!!set`, `!custom`: the library would build bytes, sets or nothing).
 */
export function checkYamlStructure(doc: Document, lines: LineCounter, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const at = (node: { range?: readonly number[] | null } | null | undefined) => {
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    return { file, line: pos.line, col: pos.col, path: '' };
  };
  /** The last node with each anchor so far: an alias means the nearest one above it, as in YAML. */
  const anchors = new Map<string, Node>();
  /** Nodes being walked (an alias to one of them would make the data contain itself). */
  const open = new Set<Node>();
  /** For each anchored node, the alias expansions inside it: what one more alias to it costs. */
  const inside = new Map<Node, number>();
  let expansions = 0;
  let bombReported = false;

  /** The node an alias stands for, or the node itself; undefined for an alias without its anchor. */
  const target = (node: unknown): unknown => (isAlias(node) ? anchors.get(node.source) : node);

  type Frame = { node: unknown; exit?: number };
  const stack: Frame[] = [{ node: doc.contents }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const node = frame.node;
    if (frame.exit !== undefined) {
      open.delete(node as Node);
      inside.set(node as Node, expansions - frame.exit);
      continue;
    }
    if (isAlias(node)) {
      const found = anchors.get(node.source);
      if (!found) {
        issues.push({
          ...at(node),
          message: `alias *${node.source} has no anchor &${node.source} above it`,
          hint: `write &${node.source} on the value to repeat, before its first *${node.source}`,
        });
      } else if (open.has(found)) {
        issues.push({
          ...at(node),
          message: `alias *${node.source} is inside the value it repeats, so that value would contain itself`,
          hint: 'repeat a value outside the one anchored, or write this part out',
        });
      } else {
        expansions += 1 + (inside.get(found) ?? 0);
        if (expansions > YAML_LIMITS.aliasExpansions && !bombReported) {
          bombReported = true;
          issues.push({
            ...at(node),
            message: `aliases here expand more than ${YAML_LIMITS.aliasExpansions} times (aliases of values that hold aliases multiply)`,
            hint: 'write repeated values out, or repeat fewer of them with anchors and aliases',
          });
        }
      }
      continue;
    }
    if (isPair(node)) {
      checkKey(node.key, target(node.key), at, issues);
      if (isMergeKey(node.key)) checkMerge(node.value, target, at, issues);
      // Key before value, as YAML finds anchors: in document order.
      stack.push({ node: node.value }, { node: node.key });
      continue;
    }
    if (!isCollection(node) && !isScalar(node)) continue;
    if (node.tag && !PLAIN_TAGS.has(node.tag)) {
      issues.push({
        ...at(node),
        message: `the tag ${shortTag(node.tag)} has no meaning in a stack file`,
        hint: 'remove it; write the value as text, a number, true or false, a list or a mapping',
      });
    }
    if (node.anchor) {
      anchors.set(node.anchor, node);
      open.add(node);
      stack.push({ node, exit: expansions });
    }
    if (isCollection(node))
      for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i] });
  }
  return issues;
}

/** The core schema's own tags, which change nothing a stack file means: `!!str 5` is text. */
const PLAIN_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq', 'merge'].map((t) => `tag:yaml.org,2002:${t}`),
);

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/** With `merge: true`, YAML parses a plain `<<` key as a symbol. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}

type At = (node: { range?: readonly number[] | null } | null | undefined) => Omit<ConfigIssue, 'message'>;

function checkKey(key: unknown, resolved: unknown, at: At, issues: ConfigIssue[]): void {
  if (isCollection(resolved)) {
    issues.push({
      ...at(key as Node),
      message: `a key must be a name, not ${isMap(resolved) ? 'a mapping' : 'a list'}`,
      hint: 'write the key as plain text; an indented block after `key:` is its value',
    });
  } else if (isScalar(resolved) && resolved.value === '__proto__') {
    issues.push({
      ...at(key as Node),
      message: '`__proto__` is not allowed as a key',
      hint: 'rename it; names are letters, digits, - and _, starting with a letter',
    });
  }
}

/** `<<: *a` and `<<: [*a, *b]` merge mappings; anything else would stop the load with an exception. */
function checkMerge(value: unknown, target: (node: unknown) => unknown, at: At, issues: ConfigIssue[]): void {
  const source = target(value);
  if (source === undefined || isMap(source)) return; // an alias without its anchor is reported as such
  const refuse = (node: unknown, what: string) => {
    issues.push({
      ...at(node as Node),
      message: `\`<<\` merges mappings, and this is ${what}`,
      hint: 'write `<<: *name` where &name is on a mapping, or `<<: [*a, *b]` for several',
    });
  };
  if (!isSeq(source)) {
    refuse(value, describe(source));
    return;
  }
  for (const item of source.items) {
    const resolved = target(item);
    if (resolved === undefined || isMap(resolved)) continue;
    // A list written here is wrong at its item; one repeated from elsewhere, at the alias that repeats it.
    if (isAlias(value)) {
      refuse(value, `a list that holds ${describe(resolved)}`);
      return;
    }
    refuse(item ?? value, describe(resolved));
  }
}

function describe(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'empty' : 'a single value';
  return 'not a mapping';
}
