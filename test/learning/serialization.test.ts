import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../src/errors";
import { decodeArray, encodeArray } from "../../src/learning/codec";
import { PatternLearner, type ModelJSON } from "../../src/learning/learner";
import { SeededRandom } from "../../src/learning/random";
import { numberedSchema, ruleRows, trainFull, trainIncremental } from "./forest-fixtures";

function randomLearner(seed: number): PatternLearner {
  const rng = new SeededRandom(seed);
  const d = 1 + rng.nextInt(8);
  const learner = PatternLearner.create(numberedSchema(d), {
    trees: 1 + rng.nextInt(12),
    maxDepth: rng.nextInt(8),
    minSamplesLeaf: 1 + rng.nextInt(4),
    bins: 2 + rng.nextInt(254),
    classWeight: rng.nextInt(2) === 0 ? "balanced" : "none",
    maxFeatures: rng.nextInt(2) === 0 ? "sqrt" : 1 + rng.nextInt(d),
    incrementalTrees: 1 + rng.nextInt(4),
    seed: rng.nextUint32(),
  });
  const { X, y } = ruleRows(1 + rng.nextInt(200), d, seed, 0.1);
  let model = rng.nextInt(2) === 0 ? trainFull(learner, X, y) : trainIncremental(learner, X, y);
  X.slice(0, 20).forEach((x, i) => {
    model.learnOne(x, y[i] as 0 | 1);
  });
  if (rng.nextInt(2) === 0) model = trainIncremental(model, X, y);
  return model;
}

/** A serialized trained model to tamper with. */
function stored(): ModelJSON {
  const { X, y } = ruleRows(200, 3, 4, 0.1);
  return JSON.parse(
    JSON.stringify(trainFull(PatternLearner.create(numberedSchema(3), { trees: 3 }), X, y).toJSON()),
  ) as ModelJSON;
}

function rejection(json: unknown): string {
  try {
    PatternLearner.fromJSON(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFormatError);
    return (error as Error).message;
  }
  throw new Error("expected the model to be rejected");
}

function editArray(json: ModelJSON, key: "feature" | "left", edit: (a: Int32Array) => void): ModelJSON;
function editArray(json: ModelJSON, key: "threshold" | "value", edit: (a: Float64Array) => void): ModelJSON;
function editArray(
  json: ModelJSON,
  key: "feature" | "left" | "threshold" | "value",
  edit: (a: never) => void,
): ModelJSON {
  const tree = json.trees[0] as ModelJSON["trees"][number];
  const kind = key === "feature" || key === "left" ? Int32Array : Float64Array;
  const array = decodeArray(tree[key], kind as typeof Float64Array) as Float64Array;
  edit(array as never);
  tree[key] = encodeArray(array);
  return json;
}

describe("a model saved and loaded", () => {
  it.each(Array.from({ length: 25 }, (_, i) => i + 1))("predicts exactly as before (random forest %i)", (seed) => {
    const model = randomLearner(seed);
    const loaded = PatternLearner.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const rng = new SeededRandom(seed * 31);
    for (let k = 0; k < 50; k++) {
      const x = Array.from({ length: model.schema.size }, () => rng.nextUint32() / 4294967296);
      expect(loaded.predictProba(x)).toBe(model.predictProba(x));
    }
    expect(loaded.toJSON()).toEqual(model.toJSON());
  });

  it("keeps its schema, params, label counts and tree records", () => {
    const model = randomLearner(77);
    const loaded = PatternLearner.fromJSON(model.toJSON());
    expect(loaded.schema.equals(model.schema)).toBe(true);
    expect(loaded.params).toEqual(model.params);
    expect(loaded.labelCounts).toEqual(model.labelCounts);
    expect(loaded.treeStats()).toEqual(model.treeStats());
    expect(loaded.treesGrown).toBe(model.treesGrown);
  });

  it("learns online after loading as it would have before", () => {
    const model = randomLearner(5);
    const loaded = PatternLearner.fromJSON(model.toJSON());
    const x = Array.from({ length: model.schema.size }, () => 0.5);
    model.learnOne(x, 1);
    loaded.learnOne(x, 1);
    expect(loaded.toJSON()).toEqual(model.toJSON());
  });

  it("written again after online learning, holds the new leaf weights (the tree structure's encoding is reused)", () => {
    const model = randomLearner(11);
    const before = model.toJSON();
    const x = Array.from({ length: model.schema.size }, () => 0.25);
    model.learnOne(x, 1);
    const after = model.toJSON();
    expect(after.trees.map((t) => t.value)).not.toEqual(before.trees.map((t) => t.value));
    expect(after.trees.map((t) => [t.feature, t.threshold, t.left])).toEqual(
      before.trees.map((t) => [t.feature, t.threshold, t.left]),
    );
    const loaded = PatternLearner.fromJSON(JSON.parse(JSON.stringify(after)));
    expect(loaded.predictProba(x)).toBe(model.predictProba(x));
  });

  it("says what it is: format, version and schema", () => {
    const json = randomLearner(3).toJSON();
    expect(json.format).toBe("pattern-quality-forest");
    expect(json.formatVersion).toBe(1);
    expect(json.schema.names[0]).toBe("f0");
  });

  it("loads an untrained model", () => {
    const model = PatternLearner.create(numberedSchema(2));
    expect(PatternLearner.fromJSON(model.toJSON()).treeCount).toBe(0);
  });

  it("stays around a megabyte for 100 trees of depth 10", () => {
    const { X, y } = ruleRows(3000, 25, 1, 0.2);
    const model = trainFull(PatternLearner.create(numberedSchema(25)), X, y);
    expect(JSON.stringify(model.toJSON()).length).toBeLessThan(2_000_000);
  });
});

describe("a tampered or malformed model is refused", () => {
  it.each<[string, (json: ModelJSON) => unknown, RegExp]>([
    ["not an object", () => "model", /model: expected an object/],
    ["null", () => null, /model: expected an object/],
    ["another format", (j) => ({ ...j, format: "ml-random-forest" }), /format: expected "pattern-quality-forest"/],
    [
      "a newer format version",
      (j) => ({ ...j, formatVersion: 2 }),
      /formatVersion: this version reads format version 1, got 2/,
    ],
    ["an unknown field", (j) => ({ ...j, extra: 1 }), /model.extra: unknown field/],
    ["a missing field", (j) => ({ ...j, treesGrown: undefined }), /treesGrown/],
    ["a malformed schema", (j) => ({ ...j, schema: { names: [1, 2] } }), /feature schema/],
    [
      "a schema with fewer features than the trees use",
      (j) => ({ ...j, schema: { names: ["a"] } }),
      /is not a feature of this schema/,
    ],
    ["parameters out of range", (j) => ({ ...j, params: { ...j.params, maxDepth: 1000 } }), /params.maxDepth/],
    [
      "an unknown parameter",
      (j) => ({ ...j, params: { ...j.params, learningRate: 0.1 } }),
      /params.learningRate: unknown parameter/,
    ],
    ["missing parameters", (j) => ({ ...j, params: undefined }), /params: missing/],
    ["more trees than params.trees", (j) => ({ ...j, params: { ...j.params, trees: 2 } }), /more than params.trees/],
    ["trees that are not a list", (j) => ({ ...j, trees: {} }), /trees: expected an array/],
    ["bad label counts", (j) => ({ ...j, labelCounts: [1, -1] }), /labelCounts\[1\]/],
    ["label counts of the wrong shape", (j) => ({ ...j, labelCounts: [1] }), /labelCounts: expected/],
    ["a tree that is not an object", (j) => ({ ...j, trees: [7] }), /trees\[0\]: expected an object/],
    [
      "an unknown tree field",
      (j) => {
        (j.trees[0] as unknown as Record<string, unknown>).depth = 3;
        return j;
      },
      /trees\[0\].depth: unknown field/,
    ],
    [
      "a serial beyond treesGrown",
      (j) => {
        j.trees[0]!.serial = 99;
        return j;
      },
      /trees\[0\].serial/,
    ],
    [
      "a repeated serial",
      (j) => {
        j.trees[1]!.serial = j.trees[0]!.serial;
        return j;
      },
      /appears twice/,
    ],
    [
      "a negative error",
      (j) => {
        j.trees[0]!.error = -0.1;
        return j;
      },
      /trees\[0\].error/,
    ],
    [
      "a zero class weight",
      (j) => {
        j.trees[0]!.classWeight = [0, 1];
        return j;
      },
      /classWeight\[0\]/,
    ],
    [
      "class weights of the wrong shape",
      (j) => {
        (j.trees[0] as unknown as Record<string, unknown>).classWeight = 1;
        return j;
      },
      /classWeight: expected/,
    ],
    [
      "a node count that does not match",
      (j) => {
        j.trees[0]!.nodes += 2;
        return j;
      },
      /feature: expected \d+ values/,
    ],
    [
      "no nodes",
      (j) => {
        j.trees[0]!.nodes = 0;
        return j;
      },
      /nodes: expected an integer from 1/,
    ],
    [
      "arrays that are not base64",
      (j) => {
        j.trees[0]!.threshold = "not base64!";
        return j;
      },
      /threshold: expected base64/,
    ],
    [
      "arrays of a partial value",
      (j) => {
        j.trees[0]!.value = Buffer.alloc(12).toString("base64");
        return j;
      },
      /value: byte length 12/,
    ],
    [
      "a feature index beyond the schema",
      (j) =>
        editArray(j, "feature", (a) => {
          a[0] = 3;
        }),
      /feature\[0\]: 3 is not a feature/,
    ],
    [
      "a feature index below -1",
      (j) =>
        editArray(j, "feature", (a) => {
          a[0] = -2;
        }),
      /feature\[0\]: -2/,
    ],
    [
      "a NaN threshold",
      (j) =>
        editArray(j, "threshold", (a) => {
          a[0] = NaN;
        }),
      /threshold\[0\]: expected a finite number/,
    ],
    [
      "an infinite threshold",
      (j) =>
        editArray(j, "threshold", (a) => {
          a[1] = Infinity;
        }),
      /threshold\[1\]/,
    ],
    [
      "a child pointing back at its parent (a cycle)",
      (j) =>
        editArray(j, "left", (a) => {
          a[1] = 0;
        }),
      /must come after it/,
    ],
    [
      "a child beyond the last node",
      (j) =>
        editArray(j, "left", (a) => {
          a[0] = 1e6;
        }),
      /must come after it and within/,
    ],
    [
      "two parents sharing a child",
      (j) =>
        editArray(j, "left", (a) => {
          a[1] = a[0] as number;
        }),
      /already has a parent|must come after/,
    ],
    [
      "a negative leaf weight",
      (j) =>
        editArray(j, "value", (a) => {
          a[0] = -1;
        }),
      /class weights -1/,
    ],
    [
      "an infinite leaf weight",
      (j) =>
        editArray(j, "value", (a) => {
          a[1] = Infinity;
        }),
      /expected finite numbers ≥ 0/,
    ],
  ])("%s", (_name, tamper, message) => {
    expect(rejection(tamper(stored()))).toMatch(message);
  });

  it("an unreachable node", () => {
    const json = stored();
    // Point the last inner node's children past two fresh leaves, leaving its old pair orphaned.
    const tree = json.trees[0]!;
    const left = decodeArray(tree.left, Int32Array) as Int32Array;
    const feature = decodeArray(tree.feature, Int32Array) as Int32Array;
    const value = decodeArray(tree.value, Float64Array) as Float64Array;
    left[left.length - 1] = feature.length;
    tree.left = encodeArray(left);
    tree.feature = encodeArray(Int32Array.from([...feature, -1, -1]));
    tree.value = encodeArray(Float64Array.from([...value, 1, 1, 1, 1]));
    tree.nodes += 2;
    expect(rejection(json)).toMatch(/is not reachable from the root/);
  });

  it("and a refused model leaves nothing half-loaded: the error is all there is", () => {
    const json = stored();
    editArray(json, "value", (a) => {
      a[a.length - 1] = -5;
    });
    expect(() => PatternLearner.fromJSON(json)).toThrow(ModelFormatError);
  });
});

describe("typed arrays in the model file", () => {
  it("round-trip exactly, including awkward doubles", () => {
    const values = Float64Array.of(0, -0, 1 / 3, Number.MIN_VALUE, Number.MAX_VALUE, -1e-300);
    expect(decodeArray(encodeArray(values), Float64Array)).toEqual(values);
    const ints = Int32Array.of(-1, 0, 2147483647, -2147483648);
    expect(decodeArray(encodeArray(ints), Int32Array)).toEqual(ints);
  });

  it("are read from a view into a larger buffer correctly", () => {
    const big = Int32Array.of(9, 8, 7, 6);
    expect([...(decodeArray(encodeArray(big.subarray(1, 3)), Int32Array) as Int32Array)]).toEqual([8, 7]);
  });

  it("are little-endian whatever the platform's byte order", () => {
    const ints = Int32Array.of(1, -2);
    const doubles = Float64Array.of(1.5, -1 / 3);
    // Our values read as big-endian bytes must produce the same file after swapping.
    const swappedInts = new Int32Array(Buffer.from(ints.buffer.slice(0)).swap32().buffer);
    const swappedDoubles = new Float64Array(Buffer.from(doubles.buffer.slice(0)).swap64().buffer);
    expect(encodeArray(swappedInts, false)).toBe(encodeArray(ints));
    expect(encodeArray(swappedDoubles, false)).toBe(encodeArray(doubles));
    expect([...(decodeArray(encodeArray(ints), Int32Array, false) as Int32Array)]).toEqual([...swappedInts]);
    expect([...(decodeArray(encodeArray(doubles), Float64Array, false) as Float64Array)]).toEqual([...swappedDoubles]);
  });

  it("refuse text that is not base64", () => {
    expect(decodeArray(5, Int32Array)).toMatch(/base64/);
    expect(decodeArray("abc", Int32Array)).toMatch(/base64/);
  });
});
