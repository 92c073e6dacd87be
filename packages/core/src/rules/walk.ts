import type { ConditionNode, LeafNode } from '../types.js';

/**
 * Calls `visit` on every leaf of a condition tree, depth first, left to
 * right.
 */
export function forEachLeaf(node: ConditionNode, visit: (leaf: LeafNode) => void): void {
  switch (node.kind) {
    case 'leaf':
      return visit(node);
    case 'not':
      return forEachLeaf(node.child, visit);
    default:
      for (const child of node.children) forEachLeaf(child, visit);
  }
}

/**
 * The full dotted fields a condition reads, unique, in order of first use.
 *
 * @example
 * referencedFields(rule.condition); // ['value', 'payload.temp']
 */
export function referencedFields(node: ConditionNode): string[] {
  const seen = new Set<string>();
  forEachLeaf(node, (leaf) => seen.add(leaf.field));
  return [...seen];
}

/** The top-level fields (first path segments) a condition reads, unique, in order. */
export function topLevelFields(node: ConditionNode): string[] {
  const seen = new Set<string>();
  forEachLeaf(node, (leaf) => seen.add(leaf.path[0]!));
  return [...seen];
}
