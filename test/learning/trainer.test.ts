import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidInputError, PatternQualityError } from "../../src/errors";
import { TrainingHistory } from "../../src/learning/history";
import { PatternLearner } from "../../src/learning/learner";
import { defaultWorkerScript, Trainer } from "../../src/learning/trainer";
import { numberedSchema, ruleRows, trainFull, trainIncremental } from "./forest-fixtures";

const schema = numberedSchema(5);
const trainers: Trainer[] = [];

function trainer(options?: ConstructorParameters<typeof Trainer>[0]): Trainer {
  const t = new Trainer(options);
  trainers.push(t);
  return t;
}

afterEach(async () => {
  await Promise.all(trainers.splice(0).map((t) => t.close()));
});

function historyOf(n: number, seed = 1, capacity?: number): TrainingHistory {
  const history = new TrainingHistory(schema, capacity);
  const { X, y } = ruleRows(n, 5, seed, 0.1);
  history.addBatch(X, y);
  return history;
}

function rowsOf(history: TrainingHistory, fromSeq?: number): { X: Float64Array[]; y: (0 | 1)[] } {
  const rows = history.slice(fromSeq);
  const X = Array.from({ length: rows.n }, (_, i) => rows.X.slice(i * rows.d, (i + 1) * rows.d));
  return { X, y: Array.from(rows.y) as (0 | 1)[] };
}

function scriptFile(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "pq-worker-"));
  const file = path.join(dir, "worker.js");
  writeFileSync(file, source);
  return file;
}

async function failure(promise: Promise<unknown>): Promise<PatternQualityError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PatternQualityError);
    return error as PatternQualityError;
  }
  throw new Error("expected the promise to reject");
}

describe("a full retrain in worker threads", () => {
  it("grows the whole forest on the history, exactly as in-process training would", async () => {
    const history = historyOf(800);
    const model = PatternLearner.create(schema, { trees: 12 });
    const result = await trainer().full(model, history);
    expect(result.model.treeCount).toBe(12);
    expect(result.model.toJSON()).toEqual(trainFull(model, rowsOf(history).X, rowsOf(history).y).toJSON());
    expect(result.trainMs).toBeGreaterThan(0);
    expect(result.totalMs).toBeGreaterThanOrEqual(result.trainMs);
  });

  it("gives the same model with one worker or two", async () => {
    // 1,000 rows × 61 trees: enough work to be shared between two workers.
    const history = historyOf(1000);
    const model = PatternLearner.create(schema, { trees: 61, seed: 5, maxDepth: 4 });
    const one = await trainer({ workers: 1 }).full(model, history);
    const two = await trainer({ workers: 2 }).full(model, history);
    expect(JSON.stringify(two.model.toJSON())).toBe(JSON.stringify(one.model.toJSON()));
  });

  it("leaves the caller's event loop free while it trains", async () => {
    const history = historyOf(5000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await trainer().full(PatternLearner.create(schema, { trees: 40 }), history);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it("refuses an empty history", async () => {
    const error = await failure(trainer().full(PatternLearner.create(schema), new TrainingHistory(schema)));
    expect((error as InvalidInputError).field).toBe("history");
  });
});

describe("an incremental update in worker threads", () => {
  it("grows trees on a new batch plus recent history, filling an empty forest", async () => {
    const history = historyOf(300);
    const model = PatternLearner.create(schema, { trees: 10, incrementalTrees: 3 });
    const batch = ruleRows(50, 5, 9);
    const result = await trainer().incremental(model, batch, history);
    expect(result.treesGrown).toBe(10);
    expect(result.treesReplaced).toBe(0);
    const expected = trainIncremental(model, [...rowsOf(history).X, ...batch.X], [...rowsOf(history).y, ...batch.y]);
    expect(result.model.toJSON()).toEqual(expected.toJSON());
  });

  it("replaces incrementalTrees trees of a full forest and keeps its size", async () => {
    const history = historyOf(300);
    const t = trainer();
    const start = (await t.full(PatternLearner.create(schema, { trees: 10, incrementalTrees: 3 }), history)).model;
    const result = await t.incremental(start, ruleRows(20, 5, 3), history);
    expect(result.treesGrown).toBe(3);
    expect(result.treesReplaced).toBe(3);
    expect(result.model.treeCount).toBe(10);
    expect(result.model.treeStats().map((s) => s.serial)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("takes rows already in the history from a sequence number, with historySample rows before them", async () => {
    const history = historyOf(400);
    const model = PatternLearner.create(schema, { trees: 6, historySample: 100 });
    const from = history.endSeq;
    const { X, y } = ruleRows(30, 5, 4);
    history.addBatch(X, y);
    const result = await trainer().incremental(model, { fromSeq: from }, history);
    const rows = rowsOf(history, from - 100);
    expect(rows.X).toHaveLength(130);
    expect(result.model.toJSON()).toEqual(trainIncremental(model, rows.X, rows.y, 30).toJSON());
  });

  it("keeps the worker's copy of the history in step over many updates", async () => {
    const history = historyOf(200, 1, 500);
    const t = trainer();
    let model = PatternLearner.create(schema, { trees: 8, incrementalTrees: 2, historySample: 1000 });
    let local = model;
    for (let round = 0; round < 6; round++) {
      const from = history.endSeq;
      const { X, y } = ruleRows(100, 5, 50 + round, 0.1);
      history.addBatch(X, y);
      model = (await t.incremental(model, { fromSeq: from }, history)).model;
      const rows = rowsOf(history);
      local = trainIncremental(local, rows.X, rows.y, 100);
    }
    expect(history.firstSeq).toBeGreaterThan(0);
    expect(model.toJSON()).toEqual(local.toJSON());
  });

  it("serves two histories with one trainer", async () => {
    const t = trainer({ workers: 1 });
    const a = historyOf(100, 1);
    const b = historyOf(100, 2);
    const model = PatternLearner.create(schema, { trees: 4 });
    const fromA = await t.incremental(model, ruleRows(10, 5, 7), a);
    const fromB = await t.incremental(model, ruleRows(10, 5, 7), b);
    const againA = await t.incremental(model, ruleRows(10, 5, 7), a);
    expect(againA.model.toJSON()).toEqual(fromA.model.toJSON());
    expect(fromB.model.toJSON()).not.toEqual(fromA.model.toJSON());
  });

  it("warm-starts from a model saved and loaded, as from the original", async () => {
    const history = historyOf(300);
    const t = trainer();
    const model = (await t.full(PatternLearner.create(schema, { trees: 10, incrementalTrees: 4 }), history)).model;
    model.learnOne([0.9, 0.9, 0.1, 0.1, 0.1], 0);
    const loaded = PatternLearner.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const batch = ruleRows(40, 5, 12);
    const fromOriginal = await t.incremental(model, batch, history);
    const fromLoaded = await t.incremental(loaded, batch, history);
    expect(fromLoaded.model.toJSON()).toEqual(fromOriginal.model.toJSON());
    expect(fromLoaded.model.treeStats().filter((s) => s.seen > 0)).toHaveLength(6);
  });

  it("leaves the model it started from untouched", async () => {
    const history = historyOf(200);
    const t = trainer();
    const model = (await t.full(PatternLearner.create(schema, { trees: 5, incrementalTrees: 2 }), history)).model;
    const before = JSON.stringify(model.toJSON());
    const result = await t.incremental(model, ruleRows(20, 5, 3), history);
    result.model.learnOne([0.5, 0.5, 0.5, 0.5, 0.5], 1);
    expect(JSON.stringify(model.toJSON())).toBe(before);
  });

  it("after a change of taste, regrows half the forest on the rows since it", async () => {
    const history = historyOf(300);
    const model = (await trainer().full(PatternLearner.create(schema, { trees: 10, incrementalTrees: 2 }), history))
      .model;
    const batch = ruleRows(50, 5, 17, 0.1);
    history.addBatch(batch.X, batch.y);
    const result = await trainer().incremental(model, { fromSeq: 300 }, history, { change: { rows: 80, fresh: true } });
    expect(result.treesGrown).toBe(5);
    expect(result.treesReplaced).toBe(5);
    expect(
      result.model
        .treeStats()
        .slice(-5)
        .map((t) => t.windowRows),
    ).toEqual([50, 58, 65, 73, 80]);
  });

  it.each([
    ["not an object", 5],
    ["no rows", { rows: 0, fresh: true }],
    ["no freshness", { rows: 10 }],
  ])("refuses a change that is %s, naming the field", async (_name, change) => {
    const history = historyOf(100);
    const model = PatternLearner.create(schema, { trees: 3 });
    const error = await failure(trainer().incremental(model, { fromSeq: 50 }, history, { change: change as never }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("options.change");
  });

  it("works from a cold start of 2 feedbacks of one class and an empty history", async () => {
    const model = PatternLearner.create(schema, { trees: 5 });
    const result = await trainer().incremental(
      model,
      {
        X: [
          [0, 0, 0, 0, 0],
          [1, 1, 1, 1, 1],
        ],
        y: [1, 1],
      },
      new TrainingHistory(schema),
    );
    expect(result.model.treeCount).toBe(5);
    // Every tree is one leaf of 2 approvals, drawn towards 0.5 by the leaf prior: (2 + ½) / (2 + 1).
    expect(result.model.predictProba([0.5, 0.5, 0.5, 0.5, 0.5])).toBeCloseTo(2.5 / 3, 12);
  });

  it.each<[string, unknown, string]>([
    ["an empty batch", { X: [], y: [] }, "batch.X"],
    ["a batch with a NaN feature", { X: [[0, 0, NaN, 0, 0]], y: [1] }, "batch.X[0].f2"],
    ["a batch with a missing feature", { X: [{ f0: 1, f1: 1, f2: 1, f3: 1 }], y: [1] }, "batch.X[0].f4"],
    ["a batch with an extra feature", { X: [{ f0: 1, f1: 1, f2: 1, f3: 1, f4: 1, f5: 1 }], y: [1] }, "batch.X[0].f5"],
    ["a batch with a row of the wrong length", { X: [[1, 2, 3]], y: [1] }, "batch.X[0]"],
    ["a batch with a string feature", { X: [[1, 2, 3, 4, "5"]], y: [1] }, "batch.X[0].f4"],
    ["a batch with a bad label", { X: [[1, 2, 3, 4, 5]], y: ["maybe"] }, "batch.y[0]"],
    [
      "a batch with fewer labels than rows",
      {
        X: [
          [1, 2, 3, 4, 5],
          [1, 2, 3, 4, 5],
        ],
        y: [1],
      },
      "batch.y",
    ],
    ["no batch", null, "batch"],
    ["a sequence number beyond the history", { fromSeq: 500 }, "batch.fromSeq"],
    ["a sequence number that is not an integer", { fromSeq: 1.5 }, "batch.fromSeq"],
  ])("refuses %s, naming the field, and trains nothing", async (_name, batch, field) => {
    const history = historyOf(100);
    const model = PatternLearner.create(schema, { trees: 3 });
    const error = await failure(trainer().incremental(model, batch as never, history));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect(model.treeCount).toBe(0);
    expect(history.size).toBe(100);
  });

  it("refuses a history of another schema", async () => {
    const error = await failure(
      trainer().incremental(PatternLearner.create(schema), ruleRows(5, 5, 1), new TrainingHistory(numberedSchema(4))),
    );
    expect((error as InvalidInputError).field).toBe("history");
  });

  it("refuses something that is not a learner", async () => {
    const error = await failure(trainer().full({} as PatternLearner, historyOf(10)));
    expect((error as InvalidInputError).field).toBe("model");
  });

  it("refuses something that is not a training history", async () => {
    const error = await failure(trainer().full(PatternLearner.create(schema), {} as TrainingHistory));
    expect((error as InvalidInputError).field).toBe("history");
  });
});

describe("the worker threads", () => {
  it("are found in the compiled package when running from the sources", () => {
    const script = defaultWorkerScript();
    expect(script.endsWith(path.join("dist", "src", "learning", "training-worker.js"))).toBe(true);
    expect(existsSync(script)).toBe(true);
  });

  it("that crash on start reject the request with a clear error", async () => {
    const t = trainer({ workerScript: scriptFile("throw new Error('no memory for trees');") });
    const error = await failure(t.full(PatternLearner.create(schema, { trees: 2 }), historyOf(20)));
    expect(error.code).toBe("training-failed");
    expect(error.message).toMatch(/crashed: no memory for trees/);
  });

  it("that exit before answering reject the request", async () => {
    const script = scriptFile("require('node:worker_threads').parentPort.on('message', () => process.exit(3));");
    const error = await failure(
      trainer({ workerScript: script }).full(PatternLearner.create(schema, { trees: 2 }), historyOf(20)),
    );
    expect(error.message).toMatch(/exited \(code 3\)/);
  });

  it("that report a failure reject the request with the worker's reason", async () => {
    const script = scriptFile(
      "const { parentPort } = require('node:worker_threads');" +
        "parentPort.on('message', (r) => parentPort.postMessage({ id: r.id, ok: false, message: 'no room for trees' }));",
    );
    const error = await failure(
      trainer({ workerScript: script, workers: 1 }).full(PatternLearner.create(schema, { trees: 2 }), historyOf(20)),
    );
    expect(error.message).toMatch(/Training failed in the worker thread: no room for trees/);
  });

  it("that send something else than an answer are ignored until they answer", async () => {
    const script = scriptFile(
      "const { parentPort } = require('node:worker_threads');" +
        "parentPort.on('message', (r) => { parentPort.postMessage(null); parentPort.postMessage({ id: -1 }); parentPort.postMessage({ id: r.id, ok: false, message: 'late' }); });",
    );
    const error = await failure(
      trainer({ workerScript: script, workers: 1 }).full(PatternLearner.create(schema, { trees: 2 }), historyOf(20)),
    );
    expect(error.message).toMatch(/late/);
  });

  it("are replaced by fresh ones after a crash, with the history sent again", async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), "pq-marker-")), "crashed");
    const script = scriptFile(
      `const fs = require('node:fs');` +
        `if (!fs.existsSync(${JSON.stringify(marker)})) {` +
        `  fs.writeFileSync(${JSON.stringify(marker)}, '1');` +
        `  require('node:worker_threads').parentPort.on('message', () => { throw new Error('tree fell over'); });` +
        `} else require(${JSON.stringify(defaultWorkerScript())});`,
    );
    const t = trainer({ workerScript: script, workers: 1 });
    const history = historyOf(200);
    const model = PatternLearner.create(schema, { trees: 4 });
    const error = await failure(t.full(model, history));
    expect(error.message).toMatch(/tree fell over/);
    const result = await t.full(model, history);
    expect(result.model.toJSON()).toEqual(trainFull(model, rowsOf(history).X, rowsOf(history).y).toJSON());
  });

  it("are stopped by close, which rejects what is pending and everything after", async () => {
    const t = trainer();
    const pending = failure(t.full(PatternLearner.create(schema, { trees: 50 }), historyOf(3000)));
    await t.close();
    expect((await pending).code).toBe("trainer-closed");
    expect((await failure(t.incremental(PatternLearner.create(schema), ruleRows(5, 5, 1), historyOf(5)))).code).toBe(
      "trainer-closed",
    );
  });

  it("refuses a worker count that is not a small positive integer", () => {
    expect(() => new Trainer({ workers: 0 })).toThrow(InvalidInputError);
  });
});
