import { readFileSync } from "node:fs";
import path from "node:path";
import type { Label } from "../../src/feedback/feedback";
import { FeatureSchema } from "../../src/features/schema";
import { growTrees } from "../../src/learning/forest";
import type { PatternLearner } from "../../src/learning/learner";
import { SeededRandom } from "../../src/learning/random";

/** The Wisconsin breast cancer data (569 rows, 30 features, label 0/1) from the test fixtures. */
export function loadWdbc(): { names: string[]; X: Float64Array[]; y: Label[] } {
  const file = path.resolve(__dirname, "../fixtures/wdbc.csv");
  const lines = readFileSync(file, "utf8").trim().split(/\r?\n/);
  const header = (lines[0] as string).split(",");
  const names = header.slice(0, -1);
  const X: Float64Array[] = [];
  const y: Label[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(",").map(Number);
    X.push(Float64Array.from(cells.slice(0, -1)));
    y.push(cells[cells.length - 1] === 1 ? 1 : 0);
  }
  return { names, X, y };
}

/** A schema f0…f(d-1). */
export function numberedSchema(d: number): FeatureSchema {
  return new FeatureSchema(Array.from({ length: d }, (_, i) => `f${i}`));
}

/** Rows with a known rule: approve when the first two features sum above 1 (plus `noise` flipped labels). */
export function ruleRows(n: number, d: number, seed: number, noise = 0): { X: Float64Array[]; y: Label[] } {
  const rng = new SeededRandom(seed);
  const X: Float64Array[] = [];
  const y: Label[] = [];
  for (let i = 0; i < n; i++) {
    const x = new Float64Array(d);
    for (let f = 0; f < d; f++) x[f] = rng.nextUint32() / 4294967296;
    let label: Label = (x[0] as number) + (x[1] as number) > 1 ? 1 : 0;
    if (rng.nextUint32() / 4294967296 < noise) label = label === 1 ? 0 : 1;
    X.push(x);
    y.push(label);
  }
  return { X, y };
}

/** Packs rows row-major for growTrees. */
export function pack(
  X: readonly Float64Array[],
  y: readonly Label[],
): { X: Float64Array; y: Uint8Array; n: number; d: number } {
  const d = (X[0] as Float64Array).length;
  const flat = new Float64Array(X.length * d);
  X.forEach((row, i) => {
    flat.set(row, i * d);
  });
  return { X: flat, y: Uint8Array.from(y), n: X.length, d };
}

/** The in-process equivalent of a full retrain in the worker. */
export function trainFull(model: PatternLearner, X: readonly Float64Array[], y: readonly Label[]): PatternLearner {
  return model.withForest(growTrees(pack(X, y), model.params, model.fullSerials()));
}

/**
 * The in-process equivalent of an incremental update in the worker: rows = history sample then
 * the new batch, its last `batchRows` rows (default: all rows are new).
 */
export function trainIncremental(
  model: PatternLearner,
  X: readonly Float64Array[],
  y: readonly Label[],
  batchRows = X.length,
): PatternLearner {
  const plan = model.incrementalPlan(X.length, batchRows);
  return model.withIncrementalTrees(growTrees(pack(X, y), model.params, plan.serials, plan.windows)).model;
}
