import { describe, expect, it } from "vitest";
import { binOf, binTrainingSet, cutPoints } from "../../src/learning/binning";
import { classWeights, growTrees } from "../../src/learning/forest";
import { DEFAULT_FOREST_PARAMS, featuresPerSplit, resolveParams, type ForestParams } from "../../src/learning/params";
import { SeededRandom, treeSeed } from "../../src/learning/random";
import { growTree, leafOf, type TreeNodes } from "../../src/learning/tree";
import { loadWdbc, pack, ruleRows } from "./forest-fixtures";

const params = (overrides: Partial<ForestParams> = {}): ForestParams => resolveParams(overrides);

function probability(tree: TreeNodes, x: ArrayLike<number>): number {
  const leaf = leafOf(tree, x);
  const total = (tree.value[2 * leaf] as number) + (tree.value[2 * leaf + 1] as number);
  return (tree.value[2 * leaf + 1] as number) / total;
}

function forestProbability(trees: TreeNodes[], x: ArrayLike<number>): number {
  return trees.reduce((sum, t) => sum + probability(t, x), 0) / trees.length;
}

describe("binning", () => {
  it("puts a cut between every pair of neighbouring values when there are few distinct values", () => {
    const cuts = cutPoints(Float64Array.from([1, 1, 2, 3, 3, 3]), 255);
    expect([...cuts]).toEqual([1.5, 2.5]);
  });

  it("places at most bins − 1 ascending cuts over many distinct values", () => {
    const sorted = Float64Array.from({ length: 5000 }, (_, i) => i * 0.37);
    const cuts = cutPoints(sorted, 16);
    expect(cuts.length).toBeLessThanOrEqual(15);
    expect(cuts.length).toBeGreaterThan(10);
    for (let i = 1; i < cuts.length; i++) expect(cuts[i]).toBeGreaterThan(cuts[i - 1] as number);
  });

  it("gives a heavily repeated value a bin of its own instead of cutting through it", () => {
    const values = [...Array.from({ length: 900 }, () => 5), ...Array.from({ length: 100 }, (_, i) => i)];
    const cuts = cutPoints(Float64Array.from(values).sort(), 8);
    expect(binOf(cuts, 5)).not.toBe(binOf(cuts, 4));
    expect(binOf(cuts, 5)).not.toBe(binOf(cuts, 6));
  });

  it("has no cut for a constant feature", () => {
    expect(cutPoints(Float64Array.from([7, 7, 7]), 255).length).toBe(0);
  });

  it("codes every value column by column as the number of cuts below it", () => {
    const { X, y } = pack(...(Object.values(ruleRows(300, 4, 3)) as [Float64Array[], (0 | 1)[]]));
    const set = binTrainingSet(X, y, 300, 4, 32);
    for (let f = 0; f < 4; f++) {
      for (let i = 0; i < 300; i++) {
        expect(set.codes[f * 300 + i]).toBe(binOf(set.edges[f] as Float64Array, X[i * 4 + f] as number));
      }
      expect((set.edges[f] as Float64Array).length).toBeLessThanOrEqual(31);
    }
  });

  it("samples the rows it takes cuts from on large sets, still covering the whole range", () => {
    const n = 5000;
    const X = Float64Array.from({ length: n }, (_, i) => i);
    const set = binTrainingSet(X, new Uint8Array(n), n, 1, 255);
    const cuts = set.edges[0] as Float64Array;
    expect(cuts.length).toBe(254);
    expect(set.codes[0]).toBe(0);
    expect(set.codes[n - 1]).toBe(254);
  });
});

describe("random numbers", () => {
  it("repeat for the same seed and differ between seeds", () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(first);
  });

  it("follow the published mulberry32 sequence", () => {
    // The reference algorithm, written out on plain numbers.
    function* mulberry32(seed: number) {
      let a = seed >>> 0;
      for (;;) {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = Math.imul(a ^ (a >>> 15), a | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        yield (t ^ (t >>> 14)) >>> 0;
      }
    }
    for (const seed of [0, 1, 42, 0xffffffff]) {
      const reference = mulberry32(seed);
      const rng = new SeededRandom(seed);
      const bounded = new SeededRandom(seed);
      for (let i = 0; i < 200; i++) {
        const u = reference.next().value as number;
        expect(rng.nextUint32()).toBe(u);
        expect(bounded.nextInt(1000)).toBe(Math.floor((u / 4294967296) * 1000));
      }
    }
  });

  it("give every tree its own seed", () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => treeSeed(1, i)));
    expect(seeds.size).toBe(1000);
  });

  it("stay within the bound asked for", () => {
    const rng = new SeededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const v = rng.nextInt(3);
      expect(v === 0 || v === 1 || v === 2).toBe(true);
    }
  });
});

describe("a tree", () => {
  const options = { maxDepth: 10, minSamplesLeaf: 1, featuresPerSplit: 2 };

  function grow(X: Float64Array[], y: (0 | 1)[], opts = options, seed = 1): TreeNodes {
    const rows = pack(X, y);
    return growTree(binTrainingSet(rows.X, rows.y, rows.n, rows.d, 255), opts, [1, 1], new SeededRandom(seed));
  }

  it("separates a threshold rule it was trained on", () => {
    const X = Array.from({ length: 200 }, (_, i) => Float64Array.of(i, (i * 37) % 11));
    const y = X.map((x) => ((x[0] as number) > 120 ? 1 : 0) as 0 | 1);
    const tree = grow(X, y, { ...options, featuresPerSplit: 2 });
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBeGreaterThan(119);
    expect(tree.threshold[0]).toBeLessThan(121);
  });

  it("allocates children as a pair after their parent", () => {
    const { X, y } = ruleRows(500, 5, 11, 0.1);
    const tree = grow(X, y);
    for (let i = 0; i < tree.feature.length; i++) {
      if ((tree.feature[i] as number) < 0) {
        expect(tree.left[i]).toBe(-1);
        continue;
      }
      expect(tree.left[i]).toBeGreaterThan(i);
      expect(tree.right[i]).toBe((tree.left[i] as number) + 1);
    }
  });

  it("stops at the maximum depth", () => {
    const { X, y } = ruleRows(500, 5, 11, 0.2);
    const tree = grow(X, y, { ...options, maxDepth: 3 });
    const depth = (node: number): number =>
      (tree.feature[node] as number) < 0
        ? 0
        : 1 + Math.max(depth(tree.left[node] as number), depth(tree.right[node] as number));
    expect(depth(0)).toBe(3);
  });

  it("is a single leaf with the class ratio at depth 0", () => {
    const X = [Float64Array.of(1), Float64Array.of(2), Float64Array.of(3), Float64Array.of(4)];
    const tree = grow(X, [1, 1, 1, 0], { ...options, maxDepth: 0 });
    expect(tree.feature.length).toBe(1);
    expect(tree.value[0]).toBeGreaterThanOrEqual(0);
    expect((tree.value[0] as number) + (tree.value[1] as number)).toBe(4);
  });

  it("keeps at least minSamplesLeaf rows in every leaf", () => {
    const { X, y } = ruleRows(400, 4, 5, 0.2);
    const tree = grow(X, y, { ...options, minSamplesLeaf: 20 });
    for (let i = 0; i < tree.feature.length; i++) {
      if ((tree.feature[i] as number) >= 0) continue;
      // Weights are bootstrap draws ([1, 1] class weights): at least one per distinct row.
      expect((tree.value[2 * i] as number) + (tree.value[2 * i + 1] as number)).toBeGreaterThanOrEqual(20);
    }
  });

  it("is one leaf for a single row", () => {
    const tree = grow([Float64Array.of(0.3, 0.7)], [1]);
    expect(tree.feature.length).toBe(1);
    expect(probability(tree, [5, 5])).toBe(1);
  });

  it("is one leaf for constant features, predicting the class ratio", () => {
    const X = Array.from({ length: 40 }, () => Float64Array.of(2, 2, 2));
    const y = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0) as 0 | 1);
    const tree = grow(X, y);
    expect(tree.feature.length).toBe(1);
    const p = probability(tree, [2, 2, 2]);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.6);
  });

  it("leaves duplicate rows with conflicting labels in one leaf", () => {
    const X = [...Array.from({ length: 30 }, () => Float64Array.of(1, 1)), Float64Array.of(9, 9)];
    const tree = grow(X, [...Array.from({ length: 30 }, (_, i) => (i % 2) as 0 | 1), 0]);
    const p = probability(tree, [1, 1]);
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it("predicts from raw values it never saw", () => {
    const X = Array.from({ length: 100 }, (_, i) => Float64Array.of(i));
    const y = X.map((x) => ((x[0] as number) >= 50 ? 1 : 0) as 0 | 1);
    const tree = grow(X, y, { ...options, featuresPerSplit: 1 });
    expect(probability(tree, [-1e9])).toBe(0);
    expect(probability(tree, [1e9])).toBe(1);
    expect(probability(tree, [10.5])).toBe(0);
    expect(probability(tree, [90.5])).toBe(1);
  });
});

describe("a forest", () => {
  it("grows the same trees for the same seed and serials", () => {
    const { X, y } = ruleRows(300, 6, 9, 0.1);
    const a = growTrees(pack(X, y), params(), [0, 1, 2]);
    const b = growTrees(pack(X, y), params(), [0, 1, 2]);
    expect(a).toEqual(b);
  });

  it("grows the same trees whatever this thread grew before (its working arrays are reused)", () => {
    const { X, y } = ruleRows(300, 6, 9, 0.1);
    const before = growTrees(pack(X, y), params(), [0, 1]);
    const larger = ruleRows(3000, 6, 5, 0.3);
    expect(growTrees(pack(larger.X, larger.y), params({ maxDepth: 20 }), [7])[0]?.feature.length).toBeGreaterThan(
      before[0]?.feature.length as number,
    );
    expect(growTrees(pack(X, y), params(), [0, 1])).toEqual(before);
  });

  it("grows a tree the same whether alone or among others", () => {
    const { X, y } = ruleRows(300, 6, 9, 0.1);
    const many = growTrees(pack(X, y), params(), [4, 5, 6]);
    const one = growTrees(pack(X, y), params(), [5]);
    expect(one[0]).toEqual(many[1]);
  });

  it("grows different trees for another seed", () => {
    const { X, y } = ruleRows(300, 6, 9, 0.1);
    const a = growTrees(pack(X, y), params({ seed: 1 }), [0]);
    const b = growTrees(pack(X, y), params({ seed: 2 }), [0]);
    expect(a[0]?.feature).not.toEqual(b[0]?.feature);
  });

  it("grows nothing from no rows", () => {
    expect(growTrees({ X: new Float64Array(0), y: new Uint8Array(0), n: 0, d: 3 }, params(), [0, 1])).toEqual([]);
  });

  it("classifies held-out WDBC rows at least 93 % right", () => {
    const { X, y } = loadWdbc();
    const order = Array.from({ length: X.length }, (_, i) => i).sort((a, b) => treeSeed(3, a) - treeSeed(3, b));
    const train = order.slice(0, 400);
    const test = order.slice(400);
    const trees = growTrees(
      pack(
        train.map((i) => X[i] as Float64Array),
        train.map((i) => y[i] as 0 | 1),
      ),
      params(),
      Array.from({ length: 100 }, (_, i) => i),
    );
    const correct = test.filter((i) => (forestProbability(trees, X[i] as Float64Array) >= 0.5 ? 1 : 0) === y[i]).length;
    expect(correct / test.length).toBeGreaterThanOrEqual(0.93);
  });

  it("gives probabilities in [0, 1] for every row, even from 2 rows of one class", () => {
    const trees = growTrees(pack([Float64Array.of(0, 1), Float64Array.of(1, 0)], [0, 0]), params(), [0, 1, 2]);
    for (const x of [
      [0, 1],
      [1, 0],
      [5, -5],
    ])
      expect(forestProbability(trees, x)).toBe(0);
  });

  it("weighs classes inversely to their frequency when balanced", () => {
    const y = Uint8Array.from([1, 0, 0, 0]);
    expect([...classWeights(y, 4, params())]).toEqual([4 / 6, 2]);
    expect([...classWeights(y, 4, params({ classWeight: "none" }))]).toEqual([1, 1]);
    expect([...classWeights(Uint8Array.from([1, 1]), 2, params())]).toEqual([1, 1]);
  });

  it("tries √d features per split by default, or the count asked for up to d", () => {
    expect(featuresPerSplit(DEFAULT_FOREST_PARAMS, 25)).toBe(5);
    expect(featuresPerSplit(DEFAULT_FOREST_PARAMS, 1)).toBe(1);
    expect(featuresPerSplit(params({ maxFeatures: 40 }), 25)).toBe(25);
    expect(featuresPerSplit(params({ maxFeatures: 3 }), 25)).toBe(3);
  });
});
