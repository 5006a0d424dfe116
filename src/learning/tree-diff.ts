/**
 * How many trees two serialized models hold, and how many of b's trees are not in a, counting
 * identical trees as a multiset (an incremental update replaces some trees and keeps the rest
 * as they were); null unless both models hold a `trees` array. The registry's compareModels.
 */
export function compareTrees(a: unknown, b: unknown): { a: number; b: number; changed: number } | null {
  const treesA = treesOf(a);
  const treesB = treesOf(b);
  if (!treesA || !treesB) return null;
  const remaining = new Map<string, number>();
  for (const tree of treesA) remaining.set(tree, (remaining.get(tree) ?? 0) + 1);
  let changed = 0;
  for (const tree of treesB) {
    const left = remaining.get(tree) ?? 0;
    if (left > 0) remaining.set(tree, left - 1);
    else changed += 1;
  }
  return { a: treesA.length, b: treesB.length, changed };
}

function treesOf(model: unknown): string[] | null {
  const trees = (model as { trees?: unknown } | null)?.trees;
  return Array.isArray(trees) ? trees.map((tree) => JSON.stringify(tree)) : null;
}
