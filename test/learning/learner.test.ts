import { describe, expect, it } from "vitest";
import { FeatureSchema } from "../../src/features/schema";
import { growTrees } from "../../src/learning/forest";
import { CHANGE_SHARE, LEAF_PRIOR, leafProba, PatternLearner } from "../../src/learning/learner";
import { loadWdbc, numberedSchema, pack, ruleRows, trainFull, trainIncremental } from "./forest-fixtures";
import { fieldOf } from "../support/invalid-input";

const schema = numberedSchema(4);

function trained(params = {}, n = 300): PatternLearner {
  const { X, y } = ruleRows(n, 4, 21);
  return trainFull(PatternLearner.create(schema, { trees: 20, ...params }), X, y);
}

describe("an untrained learner", () => {
  it("has no trees and predicts 0.5", () => {
    const learner = PatternLearner.create(schema);
    expect(learner.treeCount).toBe(0);
    expect(learner.predictProba([0.1, 0.2, 0.3, 0.4])).toBe(0.5);
  });

  it("predicts the smoothed ratio of the feedback it learned online", () => {
    const learner = PatternLearner.create(schema);
    learner.learnOne([0, 0, 0, 0], 1);
    learner.learnOne([0, 0, 0, 0], 1);
    learner.learnOne([0, 0, 0, 0], 0);
    expect(learner.predictProba([1, 1, 1, 1])).toBeCloseTo(3 / 5);
    expect(learner.predict([1, 1, 1, 1])).toBe(1);
    expect(learner.labelCounts).toEqual([1, 2]);
  });

  it("uses the default parameters unless told otherwise", () => {
    const learner = PatternLearner.create(schema, { trees: 7 });
    expect(learner.params).toMatchObject({
      trees: 7,
      maxDepth: 10,
      maxFeatures: "sqrt",
      classWeight: "balanced",
      incrementalTrees: 10,
    });
  });
});

describe("creating a learner", () => {
  it("refuses something that is not a feature schema", () => {
    expect(fieldOf(() => PatternLearner.create({ names: ["a"] } as unknown as FeatureSchema))).toBe("schema");
  });

  it.each([
    [{ trees: 0 }, "params.trees"],
    [{ trees: 2.5 }, "params.trees"],
    [{ maxDepth: -1 }, "params.maxDepth"],
    [{ bins: 256 }, "params.bins"],
    [{ minSamplesLeaf: "1" }, "params.minSamplesLeaf"],
    [{ maxFeatures: "log2" }, "params.maxFeatures"],
    [{ maxFeatures: 0 }, "params.maxFeatures"],
    [{ classWeight: "auto" }, "params.classWeight"],
    [{ seed: -1 }, "params.seed"],
    [{ incrementalTrees: 0 }, "params.incrementalTrees"],
    [{ historySample: 1e12 }, "params.historySample"],
    [{ tres: 10 }, "params.tres"],
  ])("refuses the parameters %j, naming %s", (params, field) => {
    expect(fieldOf(() => PatternLearner.create(schema, params as never))).toBe(field);
  });

  it("refuses parameters that are not an object", () => {
    expect(fieldOf(() => PatternLearner.create(schema, 5 as never))).toBe("params");
  });
});

describe("predicting", () => {
  it("gives a probability in [0, 1] and the matching label", () => {
    const learner = trained();
    for (const x of [
      [0.9, 0.9, 0.5, 0.5],
      [0.05, 0.05, 0.5, 0.5],
      [0.5, 0.5, 0.5, 0.5],
    ]) {
      const p = learner.predictProba(x);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(learner.predict(x)).toBe(p >= 0.5 ? 1 : 0);
    }
    expect(learner.predictProba([0.95, 0.95, 0.5, 0.5])).toBeGreaterThan(0.8);
    expect(learner.predictProba([0.05, 0.05, 0.5, 0.5])).toBeLessThan(0.2);
  });

  it("takes named features, arrays and typed arrays alike", () => {
    const learner = trained();
    const p = learner.predictProba([0.7, 0.6, 0.1, 0.2]);
    expect(learner.predictProba({ f0: 0.7, f1: 0.6, f2: 0.1, f3: 0.2 })).toBe(p);
    expect(learner.predictProba(Float64Array.of(0.7, 0.6, 0.1, 0.2))).toBe(p);
  });

  it.each([
    [[NaN, 0, 0, 0], "features.f0"],
    [[0, Infinity, 0, 0], "features.f1"],
    [[0, 0, "1", 0], "features.f2"],
    [[0, 0, 0], "features"],
    [{ f0: 0, f1: 0, f2: 0 }, "features.f3"],
    [{ f0: 0, f1: 0, f2: 0, f3: 0, f4: 1 }, "features.f4"],
    ["0,0,0,0", "features"],
  ])("refuses %j, naming %s", (x, field) => {
    const learner = trained();
    expect(fieldOf(() => learner.predictProba(x as never))).toBe(field);
  });
});

describe("a leaf's answer", () => {
  it("is 0.5 for an empty leaf", () => {
    expect(leafProba(0, 0)).toBe(0.5);
  });

  it("is drawn towards 0.5 by a prior of one row's weight, split evenly", () => {
    expect(LEAF_PRIOR).toBe(1);
    expect(leafProba(0, 1)).toBe(0.75);
    expect(leafProba(3, 1)).toBe(1.5 / 5);
  });

  it("is barely moved for a leaf of many rows", () => {
    expect(leafProba(0, 1000)).toBeGreaterThan(0.999);
    expect(leafProba(250, 750)).toBeCloseTo(0.75, 3);
  });

  it("never crosses 0.5 because of the prior", () => {
    for (const [reject, approve] of [
      [0, 0.01],
      [0.01, 0],
      [2, 3],
      [3, 2],
      [5, 5],
      [0.3, 70],
    ]) {
      expect(Math.sign(leafProba(reject as number, approve as number) - 0.5)).toBe(
        Math.sign((approve as number) - (reject as number)),
      );
    }
  });
});

describe("predicting many rows at once", () => {
  it("gives exactly what predictProba gives for each row", () => {
    const learner = trained();
    learner.learnOne([0.9, 0.1, 0.5, 0.5], 0);
    const rows = ruleRows(50, 4, 99).X.map((x) => Float64Array.from(x));
    const many = learner.predictMany(rows);
    expect(many).toHaveLength(50);
    rows.forEach((x, i) => {
      expect(many[i]).toBe(learner.predictProba(x));
    });
  });

  it("gives the online prior for every row without trees", () => {
    const learner = PatternLearner.create(schema);
    learner.learnOne([0, 0, 0, 0], 1);
    expect(
      Array.from(
        learner.predictMany([
          [0, 0, 0, 0],
          [1, 1, 1, 1],
        ]),
      ),
    ).toEqual([2 / 3, 2 / 3]);
  });

  it("names the row with bad features", () => {
    expect(
      fieldOf(() =>
        trained().predictMany([
          [0, 0, 0, 0],
          [0, Number.NaN, 0, 0],
        ]),
      ),
    ).toBe("rows[1].f1");
  });
});

describe("a typed-array row", () => {
  it("is scored as it is, without being changed", () => {
    const learner = trained();
    const x = Float64Array.of(0.25, 0.5, 0.75, 1);
    expect(learner.predictProba(x)).toBe(learner.predictProba([0.25, 0.5, 0.75, 1]));
    learner.learnOne(x, 1);
    expect(Array.from(x)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it("with a non-finite value is refused, naming the feature", () => {
    expect(fieldOf(() => trained().predictProba(Float64Array.of(0, 0, Number.POSITIVE_INFINITY, 0)))).toBe(
      "features.f2",
    );
  });

  it("of the wrong length is refused", () => {
    expect(fieldOf(() => trained().predictProba(Float64Array.of(0, 0, 0)))).toBe("features");
  });
});

describe("learning one feedback online", () => {
  it("raises the approval probability of a pattern it is told was approved", () => {
    const learner = trained();
    const x = [0.52, 0.47, 0.3, 0.3];
    const before = learner.predictProba(x);
    for (let i = 0; i < 5; i++) learner.learnOne(x, 1);
    expect(learner.predictProba(x)).toBeGreaterThan(before);
  });

  it("lowers the approval probability of a pattern it is told was rejected", () => {
    const learner = trained();
    const x = [0.52, 0.47, 0.3, 0.3];
    const before = learner.predictProba(x);
    for (let i = 0; i < 5; i++) learner.learnOne(x, 0);
    expect(learner.predictProba(x)).toBeLessThan(before);
  });

  it("keeps the forest's structure", () => {
    const learner = trained();
    const nodes = learner.treeStats().map((t) => t.nodes);
    learner.learnOne([0.2, 0.9, 0.1, 0.1], 0);
    expect(learner.treeStats().map((t) => t.nodes)).toEqual(nodes);
  });

  it("records per tree how many feedbacks it learned and how wrong it was", () => {
    const learner = trained();
    learner.learnOne([0.99, 0.99, 0.5, 0.5], 0);
    for (const tree of learner.treeStats()) {
      expect(tree.seen).toBe(1);
      expect(tree.error).toBeGreaterThan(0);
    }
  });

  it("accepts approve/reject words as labels", () => {
    const learner = PatternLearner.create(schema);
    learner.learnOne([0, 0, 0, 0], "approved" as never);
    learner.learnOne([0, 0, 0, 0], "reject" as never);
    expect(learner.labelCounts).toEqual([1, 1]);
  });

  it("refuses a bad label and learns nothing", () => {
    const learner = trained();
    const before = JSON.stringify(learner.toJSON());
    expect(fieldOf(() => learner.learnOne([0.5, 0.5, 0.5, 0.5], 2 as never))).toBe("label");
    expect(fieldOf(() => learner.learnOne([0.5, 0.5, 0.5, 0.5], "maybe" as never))).toBe("label");
    expect(JSON.stringify(learner.toJSON())).toBe(before);
  });

  it("refuses bad features and learns nothing", () => {
    const learner = trained();
    const before = JSON.stringify(learner.toJSON());
    expect(fieldOf(() => learner.learnOne([0.5, NaN, 0.5, 0.5], 1))).toBe("features.f1");
    expect(JSON.stringify(learner.toJSON())).toBe(before);
  });
});

describe("the forest's vote", () => {
  it("weighs trees with equal errors equally (a plain average)", () => {
    const learner = trained();
    const x = [0.52, 0.47, 0.3, 0.3];
    const json = learner.toJSON();
    for (const tree of json.trees) tree.error = 0.3;
    expect(PatternLearner.fromJSON(json).predictProba(x)).toBeCloseTo(learner.predictProba(x), 12);
  });

  it("gives a tree with a higher recent error less say", () => {
    const learner = trained();
    const x = [0.52, 0.47, 0.3, 0.3];
    const json = learner.toJSON();
    json.trees[0]!.error = 0.45;
    expect(PatternLearner.fromJSON(json).predictProba(x)).not.toBe(learner.predictProba(x));
  });

  it("follows the trees that fit recent feedback", () => {
    const learner = trained();
    // A change of taste: everything is now rejected. Every tree learns it, but the vote shifts
    // beyond the leaf counts as trees that still approve lose weight.
    const { X } = ruleRows(60, 4, 77);
    for (const x of X) learner.learnOne(x, 0);
    const weights = learner.treeStats().map((t) => (0.5 - t.error) ** 2);
    expect(Math.max(...weights)).toBeGreaterThan(Math.min(...weights));
    expect(learner.predictProba([0.9, 0.9, 0.5, 0.5])).toBeLessThan(0.9);
  });
});

describe("a clone", () => {
  it("predicts the same and learns independently", () => {
    const learner = trained();
    const copy = learner.clone();
    const x = [0.52, 0.47, 0.3, 0.3];
    expect(copy.predictProba(x)).toBe(learner.predictProba(x));
    for (let i = 0; i < 5; i++) copy.learnOne(x, 1);
    expect(copy.predictProba(x)).toBeGreaterThan(learner.predictProba(x));
    expect(learner.labelCounts).toEqual([0, 0]);
  });
});

describe("incremental updates", () => {
  it("fill an empty forest in one update", () => {
    const learner = PatternLearner.create(schema, { trees: 30, incrementalTrees: 5 });
    expect(learner.incrementalPlan(50).serials).toHaveLength(30);
    const { X, y } = ruleRows(50, 4, 1);
    expect(trainIncremental(learner, X, y).treeCount).toBe(30);
  });

  it("grow incrementalTrees trees once the forest is full, keeping its size", () => {
    let learner = trained({ incrementalTrees: 4 });
    const { X, y } = ruleRows(60, 4, 2);
    expect(learner.incrementalPlan(60).serials).toEqual([20, 21, 22, 23]);
    const result = learner.withIncrementalTrees(
      growTrees(pack(X, y), learner.params, learner.incrementalPlan(60).serials),
    );
    expect(result.treesReplaced).toBe(4);
    learner = result.model;
    expect(learner.treeCount).toBe(20);
    expect(learner.treesGrown).toBe(24);
  });

  it("replace the oldest trees when none has online feedback", () => {
    const learner = trained({ incrementalTrees: 3 });
    const { X, y } = ruleRows(60, 4, 2);
    const next = trainIncremental(learner, X, y);
    expect(next.treeStats().map((t) => t.serial)).toEqual([...Array.from({ length: 17 }, (_, i) => i + 3), 20, 21, 22]);
  });

  it("replace the trees with the highest recent error", () => {
    const learner = trained({ incrementalTrees: 3 });
    // Feedback contrary to the training rule: the trees that learned the rule best err most.
    const { X, y } = ruleRows(40, 4, 8);
    X.forEach((x, i) => {
      learner.learnOne(x, y[i] === 1 ? 0 : 1);
    });
    const worst = learner
      .treeStats()
      .sort((a, b) => b.error - a.error)
      .slice(0, 3)
      .map((t) => t.serial);
    const next = trainIncremental(learner, X, y);
    const kept = next.treeStats().map((t) => t.serial);
    for (const serial of worst) expect(kept).not.toContain(serial);
    expect(kept).toHaveLength(20);
  });

  it("renew trees grown on less than half the rows the update trains on", () => {
    const learner = trainIncremental(
      PatternLearner.create(schema, { trees: 10, incrementalTrees: 2 }),
      ...(Object.values(ruleRows(30, 4, 1)) as [Float64Array[], (0 | 1)[]]),
    );
    expect(learner.incrementalPlan(60).serials).toHaveLength(2);
    expect(learner.incrementalPlan(61).serials).toHaveLength(10);
    const { X, y } = ruleRows(100, 4, 2);
    const next = learner.withIncrementalTrees(
      growTrees(pack(X, y), learner.params, learner.incrementalPlan(100).serials),
    );
    expect(next.treesReplaced).toBe(10);
    expect(next.model.treeStats().every((t) => t.trainedRows === 100)).toBe(true);
  });

  it("replace stale trees before trees with a high error", () => {
    const small = trainIncremental(
      PatternLearner.create(schema, { trees: 4, incrementalTrees: 2 }),
      ...(Object.values(ruleRows(20, 4, 1)) as [Float64Array[], (0 | 1)[]]),
    );
    // Two trees renewed on 100 rows; the two left from the 20-row start are stale for 100 rows.
    const { X, y } = ruleRows(100, 4, 2);
    const mixed = small.withIncrementalTrees(growTrees(pack(X, y), small.params, [4, 5])).model;
    mixed.learnOne([0.9, 0.9, 0.5, 0.5], 0);
    const next = mixed.withIncrementalTrees(growTrees(pack(X, y), mixed.params, [6, 7])).model;
    expect(next.treeStats().map((t) => t.trainedRows)).toEqual([100, 100, 100, 100]);
  });

  it("spread the new trees' windows from the new batch alone to all rows", () => {
    const learner = trained({ incrementalTrees: 5 });
    expect(learner.incrementalPlan(500, 100).windows).toEqual([100, 200, 300, 400, 500]);
    const { X, y } = ruleRows(500, 4, 6);
    const next = trainIncremental(learner, X, y, 100);
    expect(
      next
        .treeStats()
        .slice(-5)
        .map((t) => [t.trainedRows, t.windowRows]),
    ).toEqual([
      [500, 100],
      [500, 200],
      [500, 300],
      [500, 400],
      [500, 500],
    ]);
  });

  it("after a change of taste, sample only from the rows since it", () => {
    const learner = trained({ incrementalTrees: 5 });
    expect(learner.incrementalPlan(500, 100, { rows: 300, fresh: false }).windows).toEqual([100, 150, 200, 250, 300]);
    expect(learner.incrementalPlan(500, 100, { rows: 60, fresh: false }).windows).toEqual([60, 60, 60, 60, 60]);
  });

  it("right after a change of taste, regrow half the forest on windows within the rows since it", () => {
    const learner = trained({ incrementalTrees: 2 });
    expect(CHANGE_SHARE).toBe(0.5);
    const plan = learner.incrementalPlan(500, 100, { rows: 400, fresh: true });
    expect(plan.serials).toHaveLength(10);
    expect(plan.windows).toEqual([100, 133, 167, 200, 233, 267, 300, 333, 367, 400]);
  });

  it("ignore a change that lies before all the training rows", () => {
    const learner = trained({ incrementalTrees: 5 });
    expect(learner.incrementalPlan(500, 100, { rows: 5000, fresh: false })).toEqual(learner.incrementalPlan(500, 100));
  });

  it("grow every tree on all rows while filling the forest", () => {
    const learner = PatternLearner.create(schema, { trees: 6, incrementalTrees: 2 });
    expect(learner.incrementalPlan(500, 100).windows).toEqual([500, 500, 500, 500, 500, 500]);
  });

  it("start new trees from the mean error of the trees kept", () => {
    const learner = trained({ incrementalTrees: 2 });
    const { X, y } = ruleRows(30, 4, 5);
    X.forEach((x, i) => {
      learner.learnOne(x, y[i] as 0 | 1);
    });
    const next = trainIncremental(learner, X, y);
    const stats = next.treeStats();
    const kept = stats.slice(0, 18);
    const mean = kept.reduce((s, t) => s + t.error, 0) / kept.length;
    expect(stats[18]?.error).toBeCloseTo(mean, 12);
    expect(stats[19]?.seen).toBe(0);
  });

  it("leave the learner they started from untouched", () => {
    const learner = trained({ incrementalTrees: 2 });
    const before = JSON.stringify(learner.toJSON());
    const { X, y } = ruleRows(30, 4, 5);
    const next = trainIncremental(learner, X, y);
    next.learnOne([0.5, 0.5, 0.5, 0.5], 1);
    expect(JSON.stringify(learner.toJSON())).toBe(before);
  });

  it("give the same model for the same seed and feedback", () => {
    const run = () => {
      let learner = PatternLearner.create(schema, { trees: 12, incrementalTrees: 3, seed: 99 });
      for (let batch = 0; batch < 4; batch++) {
        const { X, y } = ruleRows(40, 4, 100 + batch, 0.1);
        X.forEach((x, i) => {
          learner.learnOne(x, y[i] as 0 | 1);
        });
        learner = trainIncremental(learner, X, y);
      }
      return JSON.stringify(learner.toJSON());
    };
    expect(run()).toBe(run());
  });
});

describe("a forest grown from 1 to 20 feedbacks", () => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))(
    "of %i rows gives a finite probability in [0, 1] everywhere",
    (n) => {
      const { X, y } = ruleRows(n, 4, n);
      for (const learner of [
        trainFull(PatternLearner.create(schema, { trees: 10 }), X, y),
        trainIncremental(PatternLearner.create(schema, { trees: 10 }), X, y),
      ]) {
        expect(learner.treeCount).toBe(10);
        for (const x of [...X, [0, 0, 0, 0], [1, 1, 1, 1], [-5, 9, 0.5, 100]]) {
          const p = learner.predictProba(x);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
      }
    },
  );

  it("of one class only predicts that class, as surely as 7 rows allow", () => {
    const X = ruleRows(7, 4, 3).X;
    const learner = trainFull(
      PatternLearner.create(schema, { trees: 10 }),
      X,
      X.map(() => 0 as const),
    );
    // Every tree is a single leaf holding the 7 bootstrap draws: (0 + ½) / (7 + 1).
    expect(learner.predictProba([0.9, 0.9, 0.9, 0.9])).toBeCloseTo(0.5 / 8, 12);
  });

  it("of one approval answers 0.75 for every pattern, not a certain 1", () => {
    const learner = trainFull(PatternLearner.create(schema, { trees: 10 }), [Float64Array.of(0.2, 0.4, 0.6, 0.8)], [1]);
    for (const x of [
      [0.2, 0.4, 0.6, 0.8],
      [0, 0, 0, 0],
      [1, 1, 1, 1],
    ])
      expect(learner.predictProba(x)).toBeCloseTo(0.75, 12);
  });

  it("of two rejections answers about 0.17 for every pattern, not a certain 0", () => {
    const learner = trainFull(
      PatternLearner.create(schema, { trees: 10 }),
      [Float64Array.of(0, 0, 0, 0), Float64Array.of(1, 1, 1, 1)],
      [0, 0],
    );
    for (const x of [
      [0, 0, 0, 0],
      [0.5, 0.5, 0.5, 0.5],
    ])
      expect(learner.predictProba(x)).toBeCloseTo(0.5 / 3, 12);
  });

  it("of duplicate rows with both labels predicts their ratio there", () => {
    const X = Array.from({ length: 12 }, () => Float64Array.of(0.5, 0.5, 0.5, 0.5));
    const y = X.map((_, i) => (i < 9 ? 1 : 0) as 0 | 1);
    const p = trainFull(PatternLearner.create(schema, { trees: 30, classWeight: "none" }), X, y).predictProba([
      0.5, 0.5, 0.5, 0.5,
    ]);
    expect(p).toBeGreaterThan(0.5);
    expect(p).toBeLessThan(0.95);
  });
});

describe("a full retrain", () => {
  it("replaces every tree and keeps the online label counts", () => {
    const learner = trained();
    learner.learnOne([0.1, 0.1, 0.1, 0.1], 0);
    const { X, y } = ruleRows(100, 4, 3);
    const next = trainFull(learner, X, y);
    expect(next.treeStats().map((t) => t.serial)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
    expect(next.labelCounts).toEqual([1, 0]);
  });
});

describe("learning the WDBC data as a stream", () => {
  it("reaches a prequential accuracy of at least 0.93 with batches of 50, test-then-train", () => {
    const { names, X, y } = loadWdbc();
    let learner = PatternLearner.create(new FeatureSchema(names));
    const history: { X: Float64Array[]; y: (0 | 1)[] } = { X: [], y: [] };
    let correct = 0;
    for (let start = 0; start < X.length; start += 50) {
      const end = Math.min(X.length, start + 50);
      for (let i = start; i < end; i++) {
        const x = X[i] as Float64Array;
        if (learner.predict(x) === y[i]) correct++;
        learner.learnOne(x, y[i] as 0 | 1);
        history.X.push(x);
        history.y.push(y[i] as 0 | 1);
      }
      const window = Math.max(0, history.X.length - learner.params.historySample);
      learner = trainIncremental(learner, history.X.slice(window), history.y.slice(window));
    }
    expect(correct / X.length).toBeGreaterThanOrEqual(0.93);
  });
});
