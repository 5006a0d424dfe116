/**
 * Runs `ml-random-forest` in a child process for the benchmark. That library trains on the
 * calling thread in O(n²) per tree, so only a separate process can be stopped at a time cap.
 * Receives one request message, answers with one result message, then exits.
 */
import { performance } from "node:perf_hooks";

interface MlForest {
  train(X: number[][], y: number[]): void;
  predictionValues(X: number[][]): { to2DArray(): number[][] };
}
type MlForestClass = new (options: Record<string, unknown>) => MlForest;

export interface MlForestRequest {
  task: "fit" | "prequential";
  X: number[][];
  y: number[];
  trees: number;
  maxDepth: number;
  seed: number;
  /** prequential: rows per batch; retrain on all rows so far after each batch. */
  batch?: number;
}

export type MlForestAnswer = { fitMs: number } | { proba: number[]; fitMs: number; fits: number } | { error: string };

const { RandomForestClassifier } = require("ml-random-forest") as { RandomForestClassifier: MlForestClass };

function forest(request: MlForestRequest): MlForest {
  // noOOB: the out-of-bag estimate crashes on small forests or data (see the README of bench/).
  return new RandomForestClassifier({
    nEstimators: request.trees,
    seed: request.seed,
    noOOB: true,
    treeOptions: { maxDepth: request.maxDepth },
  });
}

/** P(approve) as the share of trees voting 1: the library's own predictProbability drops a tree. */
function approveProba(model: MlForest, X: number[][]): number[] {
  return model
    .predictionValues(X)
    .to2DArray()
    .map((votes) => votes.filter((v) => v === 1).length / votes.length);
}

function answer(request: MlForestRequest): MlForestAnswer {
  if (request.task === "fit") {
    const started = performance.now();
    forest(request).train(request.X, request.y);
    return { fitMs: performance.now() - started };
  }
  const batch = request.batch ?? 50;
  const proba: number[] = [];
  let model: MlForest | undefined;
  let fitMs = 0;
  let fits = 0;
  for (let start = 0; start < request.y.length; start += batch) {
    const end = Math.min(request.y.length, start + batch);
    const rows = request.X.slice(start, end);
    proba.push(...(model ? approveProba(model, rows) : rows.map(() => 0.5)));
    const labels = request.y.slice(0, end);
    // The library needs both classes present; until then, predict from the labels seen.
    if (new Set(labels).size < 2) {
      model = undefined;
      continue;
    }
    model = forest(request);
    const started = performance.now();
    model.train(request.X.slice(0, end), labels);
    fitMs += performance.now() - started;
    fits++;
  }
  return { proba, fitMs, fits };
}

process.once("message", (request: MlForestRequest) => {
  let result: MlForestAnswer;
  try {
    result = answer(request);
  } catch (error) {
    result = { error: error instanceof Error ? error.message : String(error) };
  }
  process.send!(result, () => process.exit(0));
});
