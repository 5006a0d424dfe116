import { describe, expect, it } from "vitest";
import type { Label } from "../../src/feedback/feedback";
import { FeatureSchema } from "../../src/features/schema";
import { strongestReasons, subtreeWeights } from "../../src/learning/explain";
import { growTrees } from "../../src/learning/forest";
import { leafProba, PatternLearner } from "../../src/learning/learner";
import { SeededRandom } from "../../src/learning/random";
import { numberedSchema, pack, ruleRows, trainFull, trainIncremental } from "./forest-fixtures";

const uniform = (rng: SeededRandom) => rng.nextUint32() / 4294967296;

/** A row of `d` values; some features take few distinct values, so rows often land on split thresholds. */
function randomRow(rng: SeededRandom, d: number, coarse: boolean[]): Float64Array {
  const x = new Float64Array(d);
  for (let f = 0; f < d; f++) x[f] = coarse[f] ? rng.nextInt(4) : uniform(rng) * 10 - 5;
  return x;
}

/** A label that depends on the row (so trees split) with some noise. */
function labelOf(rng: SeededRandom, x: Float64Array): Label {
  const signal = (x[0] as number) + (x.length > 1 ? (x[1] as number) : 0) > 0;
  return (uniform(rng) < 0.15 ? !signal : signal) ? 1 : 0;
}

/** How far base + Σ contributions lands from the score. */
function gap(learner: PatternLearner, x: Float64Array): number {
  const { proba, base, contributions } = learner.explain(x);
  let total = base;
  for (const c of contributions) total += c;
  return Math.abs(total - proba);
}

describe("explaining a score", () => {
  // The property: for any forest (any size, depth, leaf size, bins, class weights, trained fully or
  // incrementally, then moved by online feedback) and any row, base + Σ contributions = P(approve),
  // and P(approve) is the very number predictProba returns.
  it("adds up to the score for random forests and rows (property, 300 forests)", () => {
    let checked = 0;
    let worst = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new SeededRandom(seed);
      const d = 1 + rng.nextInt(8);
      const coarse = Array.from({ length: d }, () => rng.nextInt(2) === 0);
      const params = {
        trees: 1 + rng.nextInt(15),
        maxDepth: rng.nextInt(9),
        minSamplesLeaf: 1 + rng.nextInt(4),
        bins: 2 + rng.nextInt(254),
        classWeight: rng.nextInt(2) === 0 ? ("balanced" as const) : ("none" as const),
        incrementalTrees: 1 + rng.nextInt(5),
        seed,
      };
      const n = 1 + rng.nextInt(150);
      const X = Array.from({ length: n }, () => randomRow(rng, d, coarse));
      const y = X.map((x) => labelOf(rng, x));
      let learner = trainFull(PatternLearner.create(numberedSchema(d), params), X, y);
      if (rng.nextInt(2) === 0) learner = trainIncremental(learner, X, y, Math.max(1, n >> 1));
      const rows = Array.from({ length: 20 }, () =>
        rng.nextInt(3) === 0 ? X[rng.nextInt(n)]! : randomRow(rng, d, coarse),
      );
      for (let step = 0; step < 40; step++) {
        const x = rows[rng.nextInt(rows.length)]!;
        if (rng.nextInt(2) === 0) {
          // Online feedback between explanations: the kept subtree weights must follow the leaves.
          learner.learnOne(x, labelOf(rng, x));
          continue;
        }
        expect(Object.is(learner.explain(x).proba, learner.predictProba(x))).toBe(true);
        worst = Math.max(worst, gap(learner, x));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4000);
    expect(worst).toBeLessThan(1e-12);
  });

  it("gives the same explanation with weights kept current online as with weights made afresh", () => {
    const { X, y } = ruleRows(200, 4, 5, 0.1);
    const learner = trainFull(PatternLearner.create(numberedSchema(4), { trees: 12 }), X, y);
    learner.explain(X[0]!);
    for (let i = 0; i < 150; i++) learner.learnOne(X[i]!, y[i] === 1 ? 0 : 1);
    // A clone has copies of the trees, so it makes its subtree weights from the leaves again.
    const fresh = learner.clone();
    for (const x of X.slice(0, 30)) {
      const kept = learner.explain(x);
      const made = fresh.explain(x);
      expect(kept.base).toBeCloseTo(made.base, 12);
      for (let f = 0; f < 4; f++) expect(kept.contributions[f]).toBeCloseTo(made.contributions[f]!, 12);
    }
  });

  it("weighs a step by the values the nodes would give as leaves (a stump, by hand)", () => {
    // One split on f0 at 0.5: left rows rejected, right rows approved; f1 is noise never split on.
    const schema = new FeatureSchema(["f0", "f1"]);
    const X = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9].map((v) => Float64Array.of(v, 0));
    const y: Label[] = [0, 0, 0, 1, 1, 1];
    const untrained = PatternLearner.create(schema, { trees: 1, maxDepth: 1, classWeight: "none", bins: 2, seed: 3 });
    const [tree] = growTrees(pack(X, y), untrained.params, untrained.fullSerials());
    const learner = untrained.withForest([tree!]);
    expect(tree!.feature[0]).toBe(0);
    const right = Float64Array.of(0.9, 0);
    const { proba, base, contributions } = learner.explain(right);
    const leaf = learner.predictProba(right);
    expect(proba).toBe(leaf);
    // The root's value is the whole sample's (bootstrap) class weights, smoothed as any leaf is.
    const sums = subtreeWeights(tree!);
    expect(base).toBe(leafProba(sums[0]!, sums[1]!));
    expect(contributions[0]).toBeCloseTo(leaf - base, 15);
    expect(contributions[1]).toBe(0);
  });

  it("counts the online feedback a node's leaves gathered in that node's value", () => {
    const schema = new FeatureSchema(["f0"]);
    const X = [0.1, 0.2, 0.8, 0.9].map((v) => Float64Array.of(v));
    const learner = trainFull(
      PatternLearner.create(schema, { trees: 1, maxDepth: 1, classWeight: "none", bins: 2, seed: 2 }),
      X,
      [0, 0, 1, 1],
    );
    const before = learner.explain(Float64Array.of(0.9)).base;
    // Approvals on the left leaf raise the root's value too: had the tree stopped at the root, they
    // would have gone there.
    for (let i = 0; i < 5; i++) learner.learnOne(Float64Array.of(0.1), 1);
    expect(learner.explain(Float64Array.of(0.9)).base).toBeGreaterThan(before);
    expect(gap(learner, Float64Array.of(0.9))).toBeLessThan(1e-15);
  });

  it("is the online prior alone, with nothing contributing, before any tree is grown", () => {
    const learner = PatternLearner.create(numberedSchema(3));
    learner.learnOne([0, 0, 0], 1);
    const { proba, base, contributions } = learner.explain([1, 2, 3]);
    expect(proba).toBe(learner.predictProba([1, 2, 3]));
    expect(base).toBe(proba);
    expect([...contributions]).toEqual([0, 0, 0]);
  });

  it("survives a round trip through JSON with the same explanation", () => {
    const { X, y } = ruleRows(150, 4, 8);
    const learner = trainFull(PatternLearner.create(numberedSchema(4), { trees: 8 }), X, y);
    for (let i = 0; i < 40; i++) learner.learnOne(X[i]!, y[i]!);
    const loaded = PatternLearner.fromJSON(JSON.parse(JSON.stringify(learner.toJSON())));
    const a = learner.explain(X[3]!);
    const b = loaded.explain(X[3]!);
    expect(b.proba).toBe(a.proba);
    expect(b.base).toBeCloseTo(a.base, 14);
  });

  it("refuses a row that does not fit the schema, naming it", () => {
    const learner = PatternLearner.create(numberedSchema(2));
    expect(() => learner.explain([1])).toThrow(/features: expected 2 values/);
  });
});

describe("the strongest reasons", () => {
  const schema = new FeatureSchema(["recency_days", "device_count_total", "hour", "quiet"]);
  const explanation = { proba: 0.7, base: 0.5, contributions: Float64Array.of(-0.05, 0.2, 0.05, 0) };

  it("are the features with the largest contributions, in words, largest first", () => {
    const { reasons } = strongestReasons(explanation, schema, [2, 3, 18, 1], 2);
    expect(reasons).toEqual([
      { feature: "device_count_total", value: 3, contribution: 0.2, label: "3 devices" },
      { feature: "recency_days", value: 2, contribution: -0.05, label: "seen 2 days ago" },
    ]);
  });

  it("keep the rest's sum, so base + reasons + others is the score", () => {
    const { reasons, others } = strongestReasons(explanation, schema, [2, 3, 18, 1], 1);
    expect(others).toBeCloseTo(0, 15);
    expect(explanation.base + reasons[0]!.contribution + others).toBeCloseTo(explanation.proba, 15);
    const none = strongestReasons(explanation, schema, [2, 3, 18, 1], 0);
    expect(none.reasons).toEqual([]);
    expect(none.others).toBeCloseTo(0.2, 15);
  });

  it("never include a feature that moved nothing", () => {
    const { reasons } = strongestReasons(explanation, schema, [2, 3, 18, 1], 10);
    expect(reasons.map((r) => r.feature)).toEqual(["device_count_total", "recency_days", "hour"]);
    expect(reasons[2]!.label).toBe("hour = 18");
  });
});
