import { once } from "node:events";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, PatternQualityError } from "../../src/errors";
import type { Label } from "../../src/feedback/feedback";
import { PatternModel, type Alert, type PatternModelSettings, type UpdateResult } from "../../src/model/pattern-model";
import { readTrialVersions } from "../../src/model/trial-file";
import { eventually } from "../support/eventually";

// Small forests keep each training in the worker to milliseconds.
const FOREST = { trees: 12, maxDepth: 4, seed: 7, incrementalTrees: 4, historySample: 200, bins: 32 };

const dirs: string[] = [];
const models: PatternModel[] = [];
const writers: Array<{ kill(signal: NodeJS.Signals): boolean }> = [];

async function storeDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-model-"));
  dirs.push(dir);
  return dir;
}

async function open(dir: string, settings: Partial<PatternModelSettings> = {}): Promise<PatternModel> {
  const model = await PatternModel.open({
    storeDir: dir,
    schema: { kind: "names", names: ["a", "b"] },
    forest: FOREST,
    autoUpdate: false,
    minSamples: 10,
    // Tests of other behaviour must not depend on how close two small forests score (with this
    // limit a version on trial is never worse); the guardrail has its own tests with the limit set.
    guardrail: { maxDropPoints: 100, samples: TRIAL },
    ...settings,
  });
  models.push(model);
  return model;
}

/** Deterministic pseudo-random points; the household approves when a + b > 0 (or the opposite when flipped). */
function feedback(count: number, options: { seed?: number; flipped?: boolean; prefix?: string } = {}) {
  let state = options.seed ?? 1;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  return Array.from({ length: count }, (_, i) => {
    const a = next() * 4;
    const b = next() * 4;
    const approve = a + b > 0 !== (options.flipped ?? false);
    return {
      id: `${options.prefix ?? "f"}${options.seed ?? 1}-${i}`,
      patternId: `p${i}`,
      label: (approve ? 1 : 0) as Label,
      features: { a, b },
    };
  });
}

/** Feedback a version on trial answers before it is judged, in these tests. */
const TRIAL = 20;
let judged = 0;

/** Feeds the feedback a trial needs and waits until its version is live. */
async function promote(model: PatternModel, version: string): Promise<void> {
  judged++;
  await model.addFeedback(feedback(TRIAL, { seed: 500 + judged, prefix: "judge" }));
  await eventually(`${version} promoted`, async () => (model.activeVersion === version ? true : undefined), 10_000);
  // The promotion's last steps (the trial's record, the next trial) are done before the test goes on.
  await model.settled();
}

const probes = [
  { a: 1, b: 1 },
  { a: -1, b: -1.5 },
  { a: 0.3, b: -0.1 },
  { a: -2, b: 1.9 },
];

function alertsOf(model: PatternModel): Alert[] {
  const alerts: Alert[] = [];
  model.on("alert", (alert: Alert) => alerts.push(alert));
  return alerts;
}

async function expectError(promise: Promise<unknown>, code: string): Promise<PatternQualityError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PatternQualityError);
    expect((error as PatternQualityError).code).toBe(code);
    return error as PatternQualityError;
  }
  throw new Error(`expected an error with code ${code}`);
}

beforeAll(async () => {
  // The trainer runs the compiled worker (npm test builds first).
  await fs.access(path.resolve(__dirname, "../../dist/src/learning/training-worker.js"));
});

afterEach(async () => {
  for (const writer of writers.splice(0)) writer.kill("SIGKILL");
  for (const model of models.splice(0)) await model.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

describe("opening a pattern model", () => {
  it("starts untrained on an empty store: no version, nothing pending, a neutral score", async () => {
    const model = await open(await storeDir());
    expect(model.activeVersion).toBeNull();
    expect(model.pending).toBe(0);
    expect(model.schema?.names).toEqual(["a", "b"]);
    expect(model.score({ a: 1, b: 2 })).toEqual({ score: 0.5, label: "approve", uncertainty: 1, version: null });
  });

  it("creates a store directory that does not exist yet, parents included", async () => {
    const dir = path.join(await storeDir(), "pattern-quality", "living-room");
    const model = await open(dir);
    await model.addFeedback([{ patternId: "p1", label: "approve", features: { a: 1, b: 2 } }]);
    expect(await fs.readdir(dir)).toContain("feedback.jsonl");
  });

  it("refuses a second writer on the same store directory", async () => {
    const dir = await storeDir();
    await open(dir);
    await expectError(PatternModel.open({ storeDir: dir }), "store-locked");
  });

  it("refuses bad settings with the setting named, before touching the disk", async () => {
    const dir = path.join(await storeDir(), "never-created");
    await expect(PatternModel.open({ storeDir: dir, updateThreshold: -1 })).rejects.toMatchObject({
      field: "settings.updateThreshold",
    });
    await expect(fs.access(dir)).rejects.toThrow();
  });

  it("refuses bad forest parameters and releases the store", async () => {
    const dir = await storeDir();
    await expect(open(dir, { forest: { trees: 0 } })).rejects.toBeInstanceOf(InvalidInputError);
    const model = await open(dir);
    expect(model.activeVersion).toBeNull();
  });
});

describe("adding feedback", () => {
  it("stores a batch durably, learns it online and counts it as pending", async () => {
    const dir = await storeDir();
    const model = await open(dir);
    const result = await model.addFeedback(feedback(5), { source: "test" });
    expect(result.stored.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(result.stored[0]).toMatchObject({ id: "f1-0", source: "test" });
    expect(result).toMatchObject({
      duplicates: [],
      parked: [],
      pending: 5,
      updateTriggered: false,
      activeVersion: null,
    });
    expect(model.metrics()).toMatchObject({ pending: 5, feedbackCount: 5, historySize: 5, monitor: { samples: 5 } });
    const log = await fs.readFile(path.join(dir, "feedback.jsonl"), "utf8");
    expect(log.trim().split("\n")).toHaveLength(5);
  });

  it("predicts each feedback before learning it (test-then-train)", async () => {
    const model = await open(await storeDir());
    await model.addFeedback([{ patternId: "p", label: 1, features: { a: 1, b: 1 } }]);
    // The untrained model's first prediction is 0.5, which counts as approve: correct.
    expect(model.metrics().monitor).toMatchObject({ samples: 1, accuracy: 1 });
    await model.addFeedback([{ patternId: "q", label: 0, features: { a: 1, b: 1 } }]);
    // Having learned one approval, it predicts approve again and is wrong this time.
    expect(model.metrics().monitor.accuracy).toBe(0.5);
  });

  it("rejects a batch with one bad item, naming it, and stores nothing", async () => {
    const model = await open(await storeDir());
    const batch: unknown[] = feedback(4);
    batch[3] = { patternId: "p", label: "maybe" };
    await expect(model.addFeedback(batch)).rejects.toMatchObject({ field: "payload[3].label" });
    batch[3] = { patternId: "p", label: 1, features: { a: 1, c: 2 } };
    await expect(model.addFeedback(batch)).rejects.toMatchObject({ field: "payload[3].features.c" });
    await expect(model.addFeedback([])).rejects.toMatchObject({ field: "payload" });
    expect(model.metrics()).toMatchObject({ feedbackCount: 0, pending: 0, monitor: { samples: 0 } });
  });

  it("stores the same feedback id once", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(3));
    const again = await model.addFeedback(feedback(4));
    expect(again.duplicates).toEqual(["f1-0", "f1-1", "f1-2"]);
    expect(again.stored.map((f) => f.id)).toEqual(["f1-3"]);
    expect(model.pending).toBe(4);
  });

  it("generates an id when the feedback has none", async () => {
    const model = await open(await storeDir());
    const result = await model.addFeedback([{ patternId: "p", label: "approve", features: { a: 0, b: 0 } }]);
    expect(result.stored[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("parks feedback for a pattern with unknown features, with an info alert, and learns it once the features arrive", async () => {
    const model = await open(await storeDir());
    const alerts = alertsOf(model);
    const result = await model.addFeedback([{ id: "late", patternId: "hall-light", label: "approved" }]);
    expect(result).toMatchObject({ parked: ["hall-light"], pending: 0 });
    expect(alerts).toEqual([
      expect.objectContaining({
        type: "feedback-parked",
        severity: "info",
        details: expect.objectContaining({ patternId: "hall-light" }),
      }),
    ]);
    expect(model.metrics().parkedCount).toBe(1);
    await model.rememberPattern("hall-light", { a: 1, b: 2 });
    expect(model.metrics()).toMatchObject({ pending: 1, monitor: { samples: 1 } });
  });

  it("learns parked feedback once, however often its pattern is remembered", async () => {
    const model = await open(await storeDir());
    await model.addFeedback([{ id: "late", patternId: "porch", label: 0 }]);
    await Promise.all([model.rememberPattern("porch", { a: 1, b: 1 }), model.rememberPattern("porch", { a: 1, b: 1 })]);
    await model.rememberPattern("porch", { a: 1, b: 1 });
    expect(model.metrics()).toMatchObject({ pending: 1, monitor: { samples: 1 } });
  });

  it("does not learn parked feedback twice after a restart that found its pattern known", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback([{ id: "late", patternId: "porch", label: 0 }]);
    await before.close();
    // As if the pattern's features were written just before a crash, but not the parked entry's removal.
    const line = { t: "pattern", patternId: "porch", features: { a: 1, b: 1 }, seenAt: new Date().toISOString() };
    await fs.appendFile(path.join(dir, "patterns.jsonl"), `${JSON.stringify(line)}\n`);
    const after = await open(dir);
    expect(after.pending).toBe(1);
    await after.rememberPattern("porch", { a: 1, b: 1 });
    expect(after.pending).toBe(1);
  });

  it("does not learn parked feedback whose remembered features no longer fit the schema", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.rememberPattern("porch", { a: 1, b: 1 });
    await before.close();
    const after = await open(dir, { schema: { kind: "names", names: ["c", "d"] } });
    const alerts = alertsOf(after);
    const result = await after.addFeedback([{ patternId: "porch", label: 1 }]);
    expect(result.pending).toBe(0);
    expect(alerts).toEqual([expect.objectContaining({ type: "store-error", severity: "warning" })]);
  });

  it("matches feedback by pattern id with the features remembered when the pattern was scored", async () => {
    const model = await open(await storeDir());
    model.score({ patternId: "kitchen", features: { a: -1, b: -1 } });
    await model.rememberPatterns([{ patternId: "kitchen" }]);
    const result = await model.addFeedback([{ patternId: "kitchen", label: "rejected" }]);
    expect(result).toMatchObject({ parked: [], pending: 1 });
  });

  it("refuses feedback once closed", async () => {
    const model = await open(await storeDir());
    await model.close();
    await expectError(model.addFeedback(feedback(1)), "model-closed");
  });
});

describe("updating the model", () => {
  it("says how many feedback are missing below the minimum", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(6));
    const error = await expectError(model.update("full"), "not-enough-feedback");
    expect(error.message).toContain("4 more needed");
  });

  it("trains the first version fully, saves it with its lineage and metrics, and activates it", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(60));
    const activated = once(model, "activated");
    const result = await model.update("incremental");
    expect(result).toMatchObject({
      version: "v0001",
      kind: "full",
      activated: true,
      reason: "manual",
      samples: 60,
      treesReplaced: 12,
    });
    expect(await activated).toEqual([{ from: null, to: "v0001", reason: "manual", by: "pattern-model" }]);
    const entry = model.versions.get("v0001");
    expect(entry).toMatchObject({ kind: "full", parentId: null, trainedOn: { samples: 60, feedbackWatermark: 60 } });
    for (const key of ["updateTimeMs", "treesReplaced", "newSamples"]) {
      expect(typeof entry.metrics[key], key).toBe("number");
    }
    // Its own figures come later, from the feedback it answers after it was trained.
    expect(entry).toMatchObject({ evaluation: null, live: { samples: 0 } });
    expect(model.versions.activations().at(-1)).toMatchObject({
      from: null,
      to: "v0001",
      reason: "manual",
      by: "pattern-model",
    });
    expect(model.pending).toBe(0);
    expect(model.score({ a: 1, b: 1 })).toMatchObject({ label: "approve", version: "v0001" });
    expect(model.score({ a: -1, b: -1 })).toMatchObject({ label: "reject" });
    // The first version is judged alone, on its first TRIAL feedback.
    await model.addFeedback(feedback(TRIAL, { seed: 30 }));
    const judgedAlone = await eventually(
      "v0001 evaluated",
      async () => model.versions.get("v0001").evaluation ?? undefined,
    );
    expect(judgedAlone).toMatchObject({ samples: TRIAL, against: null, outcome: "judged alone" });
    expect(judgedAlone.accuracy).toBeGreaterThan(0.8);
    expect(model.versions.get("v0001").live).toMatchObject({ samples: TRIAL });
  });

  it("grows an incremental version on the new feedback, parented by the active one", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(60));
    await model.update("full");
    await model.addFeedback(feedback(20, { seed: 2 }));
    expect(model.pending).toBe(20);
    const result = await model.update("incremental");
    expect(result).toMatchObject({
      version: "v0002",
      kind: "incremental",
      activated: false,
      trial: { against: "v0001", samplesNeeded: TRIAL },
      treesReplaced: 4,
    });
    expect(model.versions.get("v0002")).toMatchObject({ parentId: "v0001", trainedOn: { feedbackWatermark: 80 } });
    expect(model.pending).toBe(0);
    expect(model.metrics().trial).toMatchObject({
      version: "v0002",
      against: "v0001",
      verdict: { outcome: "undecided" },
    });
    await promote(model, "v0002");
    expect(model.versions.get("v0002").evaluation).toMatchObject({ samples: TRIAL, against: "v0001" });
    expect(model.versions.activations().at(-1)).toMatchObject({ to: "v0002", reason: "challenger promoted" });
  });

  it("never judges a new version on feedback it learned: its training rows, or what arrived while it trained", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(60));
    await model.update("full");
    await model.addFeedback(feedback(30, { seed: 2 }));
    const update = model.update("incremental");
    // Arrives while v0002 trains: learned online by the live model, and by v0002 once trained.
    await model.addFeedback(feedback(5, { seed: 3 }));
    const result = await update;
    const watermark = model.versions.get("v0002").trainedOn.feedbackWatermark;
    expect(result.trial).toMatchObject({ against: "v0001" });
    expect(model.metrics().trial).toMatchObject({ version: "v0002", verdict: { samples: 0 } });
    // Only feedback after all that counts, each answered by both versions before either learns it.
    await model.addFeedback(feedback(7, { seed: 4 }));
    expect(model.metrics().trial).toMatchObject({ version: "v0002", verdict: { samples: 7 } });
    expect(model.metrics().feedbackCount - 7).toBeGreaterThanOrEqual(watermark);
  });

  it("lets a newer version wait for the running trial instead of cutting it short", async () => {
    const model = await open(await storeDir(), { guardrail: { maxDropPoints: 100, samples: 30 } });
    await model.addFeedback(feedback(60));
    await model.update("full");
    await model.addFeedback(feedback(20, { seed: 5 }));
    await model.update("incremental");
    await model.addFeedback(feedback(10, { seed: 6 }));
    const newer = await model.update("incremental");
    expect(newer).toMatchObject({ version: "v0003", trial: { against: "v0001", waitingFor: "v0002" } });
    expect(model.metrics().trial).toMatchObject({ version: "v0002", waiting: "v0003", verdict: { samples: 10 } });
    // v0002's trial ends after its 30 feedback and it goes live; v0003, built on v0001, is not dropped:
    // it is judged beside v0002 now, its evidence starting afresh.
    await model.addFeedback(feedback(20, { seed: 7 }));
    await eventually("v0002 promoted", async () => (model.activeVersion === "v0002" ? true : undefined), 10_000);
    await model.settled();
    expect(model.versions.get("v0002").evaluation).toMatchObject({ samples: 30, against: "v0001" });
    expect(model.metrics().trial).toMatchObject({ version: "v0003", against: "v0002", verdict: { samples: 0 } });
    await model.addFeedback(feedback(30, { seed: 9 }));
    await model.settled();
    expect(model.versions.get("v0003").evaluation).toMatchObject({ samples: 30, against: "v0002" });
  });

  it("lets a waiting version that proves better take the place of a trial still undecided", async () => {
    const model = await open(await storeDir(), { guardrail: { samples: 30, maxSamples: 300 } });
    // v0001 learned the household's answers the wrong way round; v0002 adds 5 more of them.
    await model.addFeedback(feedback(60, { flipped: true }));
    await model.update("full");
    await model.addFeedback(feedback(5, { seed: 5, flipped: true }));
    await model.update("incremental");
    // v0003 learned 20 of the household's real answers: it waits for v0002's trial.
    await model.addFeedback(feedback(20, { seed: 6 }));
    const newer = await model.update("incremental");
    expect(newer).toMatchObject({ version: "v0003", trial: { waitingFor: "v0002" } });
    for (let i = 0; i < 6 && model.activeVersion !== "v0003"; i++) {
      await model.addFeedback(feedback(10, { seed: 10 + i }));
      await model.settled();
    }
    expect(model.activeVersion).toBe("v0003");
    expect(model.versions.get("v0003").evaluation).toMatchObject({ outcome: "better", against: "v0001" });
    // v0002 was still undecided (its interval straddled 0) when v0003 proved better beside the same v0001.
    expect(model.versions.get("v0002").evaluation).toMatchObject({
      outcome: "superseded by v0003, which proved better first",
      against: "v0001",
    });
  });

  it("records a waiting version superseded by a newer one, saying by which", async () => {
    const model = await open(await storeDir(), { guardrail: { maxDropPoints: 100, samples: 30 } });
    await model.addFeedback(feedback(60));
    await model.update("full");
    for (const seed of [5, 6, 7]) {
      await model.addFeedback(feedback(5, { seed }));
      await model.update("incremental");
    }
    // v0002 on trial; v0003 waited and v0004 came: v0003 says so.
    expect(model.metrics().trial).toMatchObject({ version: "v0002", waiting: "v0004" });
    expect(model.versions.get("v0003").evaluation).toMatchObject({
      outcome: "superseded by v0004, a newer version, while it waited",
    });
  });

  it("refuses an incremental update without new feedback", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(30));
    await model.update("full");
    await expectError(model.update("incremental"), "no-new-feedback");
  });

  it("refuses an unknown update mode", async () => {
    const model = await open(await storeDir());
    await expect(model.update("partial" as "full")).rejects.toMatchObject({ field: "mode" });
    await expect(model.update("full", "")).rejects.toMatchObject({ field: "reason" });
  });

  it("coalesces several requests during one run into exactly one follow-up", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(60));
    const updating: unknown[] = [];
    model.on("updating", (event) => updating.push(event));
    const first = model.update("full");
    expect(model.updating).toBe(true);
    const more = [model.update("full"), model.update("full"), model.update("full")];
    const results = await Promise.all([first, ...more]);
    expect(results.map((r) => r.version)).toEqual(["v0001", "v0002", "v0002", "v0002"]);
    expect(updating).toHaveLength(2);
    expect(model.versions.list().map((v) => v.id)).toEqual(["v0001", "v0002"]);
    expect(model.updating).toBe(false);
  });

  it("updates a young model each time its feedback doubles, in the background", async () => {
    const model = await open(await storeDir(), { autoUpdate: true, updateThreshold: 40 });
    const first = await model.addFeedback(feedback(5));
    expect(first.updateTriggered).toBe(false);
    const update = once(model, "update");
    // minSamples (10) reached: the first version, without waiting for the threshold's 40.
    const second = await model.addFeedback(feedback(5, { seed: 3 }));
    expect(second.updateTriggered).toBe(true);
    // addFeedback resolved before the update finished: the version arrives as an event.
    expect(second.activeVersion).toBeNull();
    const [result] = (await update) as [UpdateResult];
    expect(result).toMatchObject({ version: "v0001", reason: "auto-update", activated: true });
    expect(model.versions.activations().at(-1)).toMatchObject({ reason: "auto-update", by: "pattern-model" });
    await model.settled();
    // 10 more: the history doubled (20), the next update; then 20 more (40).
    expect((await model.addFeedback(feedback(9, { seed: 4 }))).updateTriggered).toBe(false);
    expect((await model.addFeedback(feedback(1, { seed: 5 }))).updateTriggered).toBe(true);
  });

  it("updates automatically at the threshold once the history holds as many", async () => {
    const model = await open(await storeDir(), { autoUpdate: true, updateThreshold: 40 });
    await model.addFeedback(feedback(60));
    await model.settled();
    await model.update("full");
    expect((await model.addFeedback(feedback(39, { seed: 3 }))).updateTriggered).toBe(false);
    const update = once(model, "update");
    expect((await model.addFeedback(feedback(1, { seed: 4 }))).updateTriggered).toBe(true);
    expect(((await update) as [UpdateResult])[0]).toMatchObject({ reason: "auto-update", samples: expect.any(Number) });
  });

  it("ends an automatic update quietly when an earlier run already took its feedback", async () => {
    const model = await open(await storeDir(), { updateThreshold: 50 });
    await model.addFeedback(feedback(60));
    await model.update("full");
    await model.addFeedback(feedback(5, { seed: 14 }));
    const failures: unknown[] = [];
    model.on("update-failed", (f) => failures.push(f));
    await expectError(model.update("incremental", "auto-update"), "update-not-needed");
    expect(failures).toEqual([]);
    expect(model.pending).toBe(5);
  });

  it("raises an alert when an automatic update fails, since nobody awaits it", async () => {
    const model = await open(await storeDir(), { updateThreshold: 1, minSamples: 10 });
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(5));
    await expectError(model.update("incremental", "auto-update"), "not-enough-feedback");
    expect(alerts).toEqual([
      expect.objectContaining({
        type: "update-failed",
        severity: "error",
        details: expect.objectContaining({ code: "not-enough-feedback" }),
      }),
    ]);
  });

  it("leaves the failure of a requested update to its caller, without an alert", async () => {
    const model = await open(await storeDir());
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(5));
    await expectError(model.update("full"), "not-enough-feedback");
    expect(alerts).toEqual([]);
  });

  it("reports an update over the time budget as a slow-update alert", async () => {
    const model = await open(await storeDir(), { alerts: { updateBudgetMs: 0 } });
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(20));
    await model.update("full");
    expect(alerts.map((a) => a.type)).toContain("slow-update");
  });

  it("keeps a version trained on a poisoned batch inactive: it does worse on the feedback after it", async () => {
    // Incremental updates here regrow every tree from the new batch alone: after a batch of
    // flipped answers (a phone whose buttons are mapped the wrong way round), the new version
    // has learned the flipped taste. The active one has seen the batch only as leaf updates.
    const model = await open(await storeDir(), {
      forest: { ...FOREST, trees: 8, incrementalTrees: 8, historySample: 0, maxDepth: 3 },
      guardrail: { maxDropPoints: 2, samples: 60 },
    });
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(400));
    await model.update("full");
    await model.addFeedback(feedback(60, { seed: 9, flipped: true }));
    const poisoned = await model.update("incremental");
    expect(poisoned).toMatchObject({ version: "v0002", activated: false, trial: { against: "v0001" } });
    await model.addFeedback(feedback(60, { seed: 10 }));
    const alert = await eventually("the rejection", async () => alerts.find((a) => a.type === "guardrail-rejected"));
    expect(alert).toMatchObject({
      severity: "warning",
      details: { version: "v0002", active: "v0001", outcome: "worse" },
    });
    expect(model.activeVersion).toBe("v0001");
    const evaluation = model.versions.get("v0002").evaluation!;
    expect(evaluation).toMatchObject({ against: "v0001", outcome: "worse" });
    expect(evaluation.samples).toBeGreaterThanOrEqual(20);
    expect(evaluation.accuracy).toBeLessThan(evaluation.againstAccuracy! - 0.2);
    expect(evaluation.interval![1]).toBeLessThan(0);
    expect(model.metrics().trial).toBeNull();
  });

  it("reports a failing disk as an update failure and a store-error alert", async () => {
    const dir = await storeDir();
    const model = await open(dir);
    const alerts = alertsOf(model);
    const failures: unknown[] = [];
    model.on("update-failed", (f) => failures.push(f));
    await model.addFeedback(feedback(20));
    // A file where the models directory belongs makes every model write fail, even as root.
    await fs.rm(path.join(dir, "models"), { recursive: true, force: true });
    await fs.writeFile(path.join(dir, "models"), "not a directory");
    await expect(model.update("full")).rejects.toBeInstanceOf(Error);
    expect(failures).toEqual([expect.objectContaining({ mode: "full", reason: "manual" })]);
    expect(alerts.map((a) => a.type)).toContain("store-error");
    expect(model.activeVersion).toBeNull();
    // Nothing was lost: the rows are pending again for the next update.
    expect(model.pending).toBe(20);
  });

  it("turns a failing automatic update into events, never an unhandled rejection", async () => {
    const dir = await storeDir();
    const model = await open(dir, { autoUpdate: true, updateThreshold: 15 });
    await fs.rm(path.join(dir, "models"), { recursive: true, force: true });
    await fs.writeFile(path.join(dir, "models"), "not a directory");
    const failed = once(model, "update-failed");
    const result = await model.addFeedback(feedback(20));
    expect(result.updateTriggered).toBe(true);
    expect((await failed)[0]).toMatchObject({ reason: "auto-update" });
  });
});

describe("scoring", () => {
  it("scores named features, arrays, and a pattern id remembered earlier", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(60));
    await model.update("full");
    const named = model.score({ a: 1.5, b: 1 });
    expect(named).toMatchObject({ label: "approve", version: "v0001" });
    expect(named.uncertainty).toBeCloseTo(1 - Math.abs(2 * named.score - 1));
    expect(model.score([1.5, 1]).score).toBe(named.score);
    const withId = model.score({ patternId: "porch", features: { a: 1.5, b: 1 } });
    expect(withId).toMatchObject({ patternId: "porch", score: named.score });
    await model.rememberPatterns([{ patternId: "porch" }]);
    expect(model.score({ patternId: "porch" }).score).toBe(named.score);
  });

  it("scores a batch, naming a bad item", async () => {
    const model = await open(await storeDir());
    expect(model.scoreMany([{ a: 1, b: 1 }, [0, 0]])).toHaveLength(2);
    expect(() =>
      model.scoreMany([
        { a: 1, b: 1 },
        { a: "x", b: 1 },
      ]),
    ).toThrow(expect.objectContaining({ field: "payload[1].a" }));
    expect(() => model.scoreMany("x" as unknown as unknown[])).toThrow(expect.objectContaining({ field: "payload" }));
  });

  it("refuses a pattern id whose features are unknown", async () => {
    const model = await open(await storeDir());
    expect(() => model.score({ patternId: "nobody" })).toThrow(expect.objectContaining({ field: "payload.features" }));
  });

  it("scores pattern objects with the standard schema and remembers them by their id", async () => {
    const model = await open(await storeDir(), { schema: { kind: "standard" } });
    const pattern = {
      id: "pat-1",
      pattern_type: "synergy",
      confidence: 0.9,
      devices: ["light.a", "light.b"],
      occurrences: 4,
    };
    const result = model.score(pattern);
    expect(result).toMatchObject({ patternId: "pat-1", score: 0.5 });
    await model.rememberPatterns([pattern]);
    const stored = await model.addFeedback([{ patternId: "pat-1", label: 1 }]);
    expect(stored.parked).toEqual([]);
  });
});

describe("restarting", () => {
  it("restores the same state: versions, pending feedback and identical scores", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(60));
    await before.update("full");
    await before.addFeedback(feedback(25, { seed: 4 }));
    await before.update("incremental");
    await promote(before, "v0002");
    await before.addFeedback(feedback(7, { seed: 5 }));
    const scores = probes.map((p) => before.score(p).score);
    const metrics = before.metrics();
    await before.close();

    const after = await open(dir);
    expect(after.activeVersion).toBe("v0002");
    expect(after.pending).toBe(TRIAL + 7);
    const { samples, correct, accuracy, throughSeq } = metrics.activeLive!;
    expect(after.versions.get("v0002").live).toMatchObject({ samples, correct, accuracy, throughSeq });
    expect(after.metrics()).toMatchObject({ feedbackCount: metrics.feedbackCount, historySize: metrics.historySize });
    expect(after.metrics().monitor).toEqual(metrics.monitor);
    expect(probes.map((p) => after.score(p).score)).toEqual(scores);
  });

  it("predicts again, after a crash, the feedback the saved live metrics had not seen", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(30));
    await before.update("full");
    // The live metrics are saved with each update; these 9 arrive after that save.
    await before.addFeedback(feedback(9, { seed: 12 }));
    const samples = before.metrics().monitor.samples;
    const saved = await fs.readFile(path.join(dir, "monitor.json"), "utf8");
    await before.close();
    await fs.writeFile(path.join(dir, "monitor.json"), saved);
    const after = await open(dir);
    expect(after.metrics().monitor.samples).toBe(samples);
  });

  it("ignores saved live metrics that claim feedback the log does not hold", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(5));
    await before.close();
    const saved = JSON.parse(await fs.readFile(path.join(dir, "monitor.json"), "utf8"));
    await fs.writeFile(path.join(dir, "monitor.json"), JSON.stringify({ ...saved, seq: 999 }));
    const after = await open(dir);
    expect(after.openAlerts).toContainEqual(
      expect.objectContaining({ type: "store-error", message: expect.stringContaining("seq 999") }),
    );
    expect(after.metrics().monitor.samples).toBe(5);
  });

  it("reports live metrics it cannot save as a store error", async () => {
    const dir = await storeDir();
    const model = await open(dir);
    const alerts = alertsOf(model);
    await fs.mkdir(path.join(dir, "monitor.json", "blocked"), { recursive: true });
    await model.addFeedback(feedback(12));
    await model.update("full");
    expect(alerts).toContainEqual(
      expect.objectContaining({ type: "store-error", message: expect.stringContaining("saving the live metrics") }),
    );
  });

  it("starts the live metrics afresh when their file is damaged, with a warning", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(12));
    await before.close();
    await fs.writeFile(path.join(dir, "monitor.json"), "{ not json");
    const after = await open(dir);
    expect(after.openAlerts).toContainEqual(expect.objectContaining({ type: "store-error", severity: "warning" }));
    // Without saved metrics the whole log since the active version (none) is predicted again.
    expect(after.metrics().monitor.samples).toBe(12);
  });

  it("restores an untrained model from the feedback log alone", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(8));
    const score = before.score(probes[0]).score;
    await before.close();
    const after = await open(dir);
    expect(after.pending).toBe(8);
    expect(after.score(probes[0]).score).toBe(score);
  });

  it("falls back to the last good version when the active model file is corrupt", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(60));
    await before.update("full");
    await before.addFeedback(feedback(20, { seed: 6 }));
    await before.update("incremental");
    await promote(before, "v0002");
    await before.close();
    const file = path.join(dir, "models", "v0002.json");
    const text = await fs.readFile(file, "utf8");
    await fs.writeFile(file, text.replace('"kind":"incremental"', '"kind":"full"       '));

    const after = await open(dir);
    expect(after.activeVersion).toBe("v0001");
    expect(after.openAlerts.some((a) => a.type === "store-error")).toBe(true);
    const emitted: Alert[] = [];
    after.on("alert", (a: Alert) => emitted.push(a));
    await new Promise((resolve) => setImmediate(resolve));
    expect(emitted.length).toBe(after.openAlerts.length);
    // The feedback after v0001's watermark is learned online again, so nothing is lost.
    expect(after.score(probes[0]).version).toBe("v0001");
  });

  it("keeps an inferred schema across a restart", async () => {
    const dir = await storeDir();
    const before = await open(dir, { schema: { kind: "infer" } });
    expect(before.schema).toBeNull();
    await before.addFeedback([{ patternId: "p", label: 1, features: { temperature: 21, lux: 300 } }]);
    expect(before.schema?.names).toEqual(["temperature", "lux"]);
    await expect(
      before.addFeedback([{ patternId: "q", label: 0, features: { temperature: 20 } }]),
    ).rejects.toMatchObject({
      field: "payload[0].features.lux",
    });
    await before.close();
    const after = await open(dir, { schema: { kind: "infer" } });
    expect(after.schema?.names).toEqual(["temperature", "lux"]);
  });

  it("refuses to open a store whose model reads other features than configured", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(20));
    await before.update("full");
    await before.close();
    await expectError(open(dir, { schema: { kind: "names", names: ["x", "y"] } }), "schema-mismatch");
    // The failed open released the store.
    const again = await open(dir);
    expect(again.activeVersion).toBe("v0001");
  });
});

/**
 * Rewrites version `id` consistently (digest, sha256, size) around a model of an unknown format
 * version: it verifies, but cannot be loaded.
 */
async function makeUnusable(dir: string, id: string): Promise<void> {
  const file = path.join(dir, "models", `${id}.json`);
  const document = JSON.parse(await fs.readFile(file, "utf8"));
  document.model.formatVersion = 99;
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  document.digest = sha(JSON.stringify({ version: document.version, model: document.model }));
  const text = `${JSON.stringify(document)}\n`;
  await fs.writeFile(file, text);
  const registryFile = path.join(dir, "versions.json");
  const registry = JSON.parse(await fs.readFile(registryFile, "utf8"));
  const entry = registry.versions.find((e: { id: string }) => e.id === id);
  Object.assign(entry, { sha256: sha(text), digest: document.digest, sizeBytes: Buffer.byteLength(text) });
  await fs.writeFile(registryFile, JSON.stringify(registry, null, 1));
}

/** v0001, then v0002 promoted after its trial. */
async function twoVersions() {
  const dir = await storeDir();
  const model = await open(dir);
  await model.addFeedback(feedback(60));
  await model.update("full");
  const firstScores = probes.map((p) => model.score(p).score);
  await model.addFeedback(feedback(30, { seed: 8 }));
  await model.update("full");
  await promote(model, "v0002");
  return { dir, model, firstScores };
}

describe("versions", () => {
  it("rolls back to the previous version at once, and the rollback survives a restart", async () => {
    const { dir, model, firstScores } = await twoVersions();
    const activated = once(model, "activated");
    const entry = await model.rollback("previous", { reason: "household unhappy", by: "anna" });
    expect(entry.id).toBe("v0001");
    expect(model.activeVersion).toBe("v0001");
    expect((await activated)[0]).toEqual({ from: "v0002", to: "v0001", reason: "household unhappy", by: "anna" });
    const rolledBack = probes.map((p) => model.score(p).score);
    // The feedback after v0001 is learned online again, on v0001's trees.
    expect(rolledBack).not.toEqual(firstScores.map(() => -1));
    await model.close();
    const after = await open(dir);
    expect(after.activeVersion).toBe("v0001");
    expect(probes.map((p) => after.score(p).score)).toEqual(rolledBack);
  });

  it("activates a chosen version and refuses an unknown one", async () => {
    const { model } = await twoVersions();
    await model.activate("v0001", { reason: "compare", by: "test" });
    expect(model.activeVersion).toBe("v0001");
    await expectError(model.activate("v0099"), "unknown-version");
    expect(model.activeVersion).toBe("v0001");
  });

  it("passes version management through to the registry", async () => {
    const { model } = await twoVersions();
    expect(model.versions.list().map((v) => v.id)).toEqual(["v0001", "v0002"]);
    expect((await model.versions.pin("v0001")).pinned).toBe(true);
    await expectError(model.versions.delete("v0001"), "version-in-use");
    expect((await model.versions.unpin("v0001")).pinned).toBe(false);
    const comparison = await model.versions.compare("v0001", "v0002");
    expect(comparison).toHaveProperty("metrics");
    const exported = await model.versions.export("v0001");
    await model.versions.delete("v0001");
    const imported = await model.versions.import(exported);
    expect(imported.kind).toBe("import");
    expect(await model.versions.prune()).toEqual({ deleted: [] });
    expect(model.versions.activations().length).toBeGreaterThanOrEqual(2);
  });

  it("refuses to activate a version that reads other features", async () => {
    const other = await open(await storeDir(), { schema: { kind: "names", names: ["x", "y"] } });
    await other.addFeedback(feedback(20).map((f) => ({ ...f, features: { x: f.features.a, y: f.features.b } })));
    await other.update("full");
    const exported = await other.versions.export("v0001");
    const { model } = await twoVersions();
    const imported = await model.versions.import(exported);
    await expect(model.activate(imported.id)).rejects.toMatchObject({ field: "id" });
    expect(model.activeVersion).toBe("v0002");
  });

  it("saves but does not activate an update whose parent was replaced by a rollback meanwhile", async () => {
    const { model } = await twoVersions();
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(20, { seed: 11 }));
    const update = model.update("full");
    await model.rollback("previous");
    const result = await update;
    expect(result).toMatchObject({ version: "v0003", activated: false });
    expect(model.activeVersion).toBe("v0001");
    // Whether the update finished before the switch (its trial then ends) or after it (it is
    // told so), nothing built on the replaced version stays on trial.
    await eventually("no trial", async () => (model.metrics().trial === null ? true : undefined), 10_000);
    if (!result.trial) {
      expect(alerts).toContainEqual(expect.objectContaining({ type: "guardrail-rejected", severity: "info" }));
    }
    await model.addFeedback(feedback(TRIAL * 2, { seed: 12 }));
    expect(model.activeVersion).toBe("v0001");
  });

  it("lets an update's version go on trial when a refused switch was asked meanwhile", async () => {
    const { model } = await twoVersions();
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(20, { seed: 13 }));
    const update = model.update("full");
    await expectError(model.activate("v0099"), "unknown-version");
    const result = await update;
    expect(result).toMatchObject({ version: "v0003", trial: { against: "v0002" } });
    expect(alerts.filter((a) => a.type === "guardrail-rejected")).toEqual([]);
    await promote(model, "v0003");
  });

  it("falls back to an older version when the active one verifies but is not a usable model", async () => {
    const { dir, model } = await twoVersions();
    await model.close();
    await makeUnusable(dir, "v0002");

    const after = await open(dir);
    expect(after.activeVersion).toBe("v0001");
    expect(after.openAlerts.map((a) => a.type)).toContain("store-error");
    expect(after.versions.activations().at(-1)).toMatchObject({ to: "v0001", by: "pattern-model" });
  });

  it("says so when there is nothing to roll back to", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(feedback(20));
    await model.update("full");
    await expect(model.rollback()).rejects.toBeInstanceOf(PatternQualityError);
  });
});

describe("alerts from live feedback", () => {
  it("reports drift and an accuracy drop when the household's taste flips", async () => {
    const model = await open(await storeDir(), { alerts: { accuracyDropPoints: 5, updateBudgetMs: 60_000 } });
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(300));
    await model.update("full");
    // Its trial (judged alone) measures it on the next TRIAL feedback, before the taste flips.
    await model.addFeedback(feedback(TRIAL, { seed: 19 }));
    await eventually("v0001 evaluated", async () => model.versions.get("v0001").evaluation ?? undefined);
    for (let i = 0; i < 6; i++) await model.addFeedback(feedback(50, { seed: 20 + i, flipped: true }));
    const types = alerts.map((a) => a.type);
    expect(types).toContain("drift");
    expect(types.filter((t) => t === "accuracy-drop")).toHaveLength(1);
  });

  it("judges a version's accuracy by its own answers, not by the untrained ones before it", async () => {
    const model = await open(await storeDir(), { alerts: { accuracyDropPoints: 5, updateBudgetMs: 60_000 } });
    const alerts = alertsOf(model);
    // Answered untrained (0.5 each), these pull the model-wide recent accuracy down for a while.
    await model.addFeedback(feedback(60));
    await model.update("full");
    for (let i = 0; i < 4; i++) await model.addFeedback(feedback(25, { seed: 60 + i }));
    expect(model.versions.get("v0001").evaluation).not.toBeNull();
    expect(alerts.map((a) => a.type)).not.toContain("accuracy-drop");
  });

  it("stays quiet about drift when drift alerts are off", async () => {
    const model = await open(await storeDir(), { alerts: { drift: false } });
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(300));
    await model.update("full");
    for (let i = 0; i < 6; i++) await model.addFeedback(feedback(50, { seed: 20 + i, flipped: true }));
    expect(alerts.map((a) => a.type)).not.toContain("drift");
  });
});

describe("a change of taste", () => {
  it("once a change is confirmed, makes the next incremental update regrow half the forest, the one after it the usual count", async () => {
    const model = await open(await storeDir());
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(300));
    await model.update("full");
    for (let i = 0; i < 6; i++) {
      await model.addFeedback(feedback(50, { seed: 20 + i, flipped: true }));
      await model.settled();
    }
    // The rise lasted with the model from before it still wrong: a change of taste, said once.
    expect(alerts.filter((a) => a.type === "drift" && a.severity === "warning")).toHaveLength(1);
    expect((await model.update("incremental")).treesReplaced).toBe(6);
    await model.addFeedback(feedback(50, { seed: 40, flipped: true }));
    expect((await model.update("incremental")).treesReplaced).toBe(4);
  });
});

describe("a burst of wrong answers that passes", () => {
  it("is set aside: no version that learned it goes live, the live model forgets it, later versions never train on it", async () => {
    const dir = await storeDir();
    const model = await open(dir, { autoUpdate: true, updateThreshold: 50, guardrail: { samples: TRIAL } });
    const alerts = alertsOf(model);
    for (let i = 0; i < 6; i++) {
      await model.addFeedback(feedback(50, { seed: 70 + i }));
      await model.settled();
    }
    const before = probes.map((p) => model.score(p).score);
    const activeBefore = model.activeVersion;
    // 100 answers flipped (a phone with its buttons swapped), then the household's usual ones again.
    for (let i = 0; i < 10; i++) {
      await model.addFeedback(feedback(10, { seed: 80 + i, flipped: true }));
      await model.settled();
    }
    for (let i = 0; i < 8; i++) {
      await model.addFeedback(feedback(10, { seed: 90 + i }));
      await model.settled();
    }
    const setAside = alerts.filter((a) => a.type === "burst-set-aside");
    expect(setAside).toHaveLength(1);
    const range = setAside[0]!.details as { fromSeq: number; toSeq: number };
    // Most of the flipped answers (log seqs 301–400) are in the range set aside.
    expect(range.fromSeq).toBeLessThanOrEqual(320);
    expect(range.toSeq).toBeGreaterThanOrEqual(390);
    // No drift was announced: it was not a change of taste.
    expect(alerts.filter((a) => a.type === "drift" && a.severity === "warning")).toEqual([]);
    // No version that learned the burst went live (the live one is from before it, or grew its new
    // trees on rows after it); the live model answers as before it.
    const live = model.versions.get(model.activeVersion!);
    const grewFrom = live.trainedOn.feedbackWatermark - Number(live.metrics.newSamples) + 1;
    expect(
      live.trainedOn.feedbackWatermark < range.fromSeq || grewFrom >= range.toSeq || live.id === activeBefore,
    ).toBe(true);
    const after = probes.map((p) => model.score(p).score);
    expect(after.map((score) => Math.round(score))).toEqual(before.map((score) => Math.round(score)));
    // Kept in the store: after a restart the burst stays aside.
    await model.close();
    const kept = JSON.parse(await fs.readFile(path.join(dir, "trials.json"), "utf8"));
    expect(kept.setAside[0]).toMatchObject({ fromSeq: range.fromSeq, toSeq: range.toSeq });
    const reopened = await open(dir, { autoUpdate: true, updateThreshold: 50, guardrail: { samples: TRIAL } });
    expect(probes.map((p) => Math.round(reopened.score(p).score))).toEqual(after.map((s) => Math.round(s)));
  });
});

describe("a burst of wrong answers right after a change of taste", () => {
  it("is still found and set aside once a version that learned the change is live", async () => {
    const model = await open(await storeDir(), {
      autoUpdate: true,
      updateThreshold: 50,
      guardrail: { samples: TRIAL },
    });
    const alerts = alertsOf(model);
    const give = async (batches: number, options: { seed: number; flipped?: boolean }) => {
      for (let i = 0; i < batches; i++) {
        await model.addFeedback(feedback(10, { ...options, seed: options.seed + i }));
        await model.settled();
      }
    };
    await give(30, { seed: 100 });
    // The household's taste changes: confirmed, and a version that learned it goes live.
    await give(25, { seed: 200, flipped: true });
    expect(alerts.filter((a) => a.type === "drift" && a.severity === "warning")).toHaveLength(1);
    const changeLearned = model.versions.get(model.activeVersion as string).trainedOn.feedbackWatermark;
    expect(changeLearned).toBeGreaterThan(300);
    // 100 answers against the new taste (log seqs 551–650), then the new taste again.
    await give(10, { seed: 300 });
    await give(10, { seed: 400, flipped: true });
    const setAside = alerts.filter((a) => a.type === "burst-set-aside");
    expect(setAside).toHaveLength(1);
    const range = setAside[0]?.details as { fromSeq: number; toSeq: number };
    expect(range.fromSeq).toBeLessThanOrEqual(570);
    expect(range.toSeq).toBeGreaterThanOrEqual(640);
    // Still one change of taste, and no version that learned the burst is live.
    expect(alerts.filter((a) => a.type === "drift" && a.severity === "warning")).toHaveLength(1);
    const live = model.versions.get(model.activeVersion as string);
    expect(
      live.trainedOn.feedbackWatermark < range.fromSeq || live.trainedOn.feedbackWatermark >= range.toSeq + 50,
    ).toBe(true);
  });
});

describe("an inferred schema", () => {
  it("scores neutrally and refuses to train before the first sample", async () => {
    const model = await open(await storeDir(), { schema: { kind: "infer" } });
    expect(model.pending).toBe(0);
    expect(model.score({ x: 1 })).toMatchObject({ score: 0.5, version: null });
    expect(model.metrics()).toMatchObject({ historySize: 0, features: null });
    const error = await expectError(model.update("full"), "not-enough-feedback");
    expect(error.message).toContain("there are 0: 10 more needed");
  });

  it("is set by the first pattern remembered", async () => {
    const model = await open(await storeDir(), { schema: { kind: "infer" } });
    await model.rememberPattern("p", { lux: 3, temperature: 20 });
    expect(model.schema?.names).toEqual(["lux", "temperature"]);
  });

  it("is set by the first pattern scored with its id", async () => {
    const model = await open(await storeDir(), { schema: { kind: "infer" } });
    model.score({ patternId: "p", pattern: { pattern_type: "anomaly", confidence: 0.3 } });
    expect(model.schema?.size).toBe(25);
  });

  it("is found again after a restart from a remembered pattern when the feedback had no features", async () => {
    const dir = await storeDir();
    const before = await open(dir, { schema: { kind: "infer" } });
    await before.rememberPattern("p", { lux: 3 });
    await before.addFeedback([{ patternId: "p", label: 1 }]);
    await before.close();
    const after = await open(dir, { schema: { kind: "infer" } });
    expect(after.schema?.names).toEqual(["lux"]);
    expect(after.pending).toBe(1);
  });
});

describe("details", () => {
  it("skips, on replay, stored features that no longer fit a changed schema", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(3));
    await before.addFeedback([{ patternId: "unknown", label: 1 }]);
    await before.close();
    const after = await open(dir, { schema: { kind: "names", names: ["c", "d"] } });
    expect(after.metrics()).toMatchObject({ pending: 0, feedbackCount: 4 });
  });

  it("does not start an automatic update below the minimum of samples", async () => {
    const model = await open(await storeDir(), { autoUpdate: true, updateThreshold: 3, minSamples: 10 });
    expect((await model.addFeedback(feedback(5))).updateTriggered).toBe(false);
  });

  it("remembers only scoring inputs that name a pattern", async () => {
    const model = await open(await storeDir());
    model.score({ patternId: "p", features: [1, 2] });
    await model.rememberPatterns([{ a: 1, b: 2 }, 7, { patternId: "p" }]);
    expect(model.score({ patternId: "p" }).score).toBe(0.5);
  });

  it("scores a pattern object without an id without remembering it", async () => {
    const model = await open(await storeDir(), { schema: { kind: "standard" } });
    expect(model.score({ pattern_type: "seasonal" })).not.toHaveProperty("patternId");
  });

  it("rolls back to a named version and replays the feedback after it, parked or not", async () => {
    const dir = await storeDir();
    const model = await open(dir);
    await model.addFeedback(feedback(40));
    await model.update("full");
    await model.addFeedback([{ patternId: "nobody-knows", label: 1 }]);
    await model.addFeedback(feedback(20, { seed: 13 }));
    await model.update("full");
    await model.rollback("v0001");
    expect(model.activeVersion).toBe("v0001");
  });

  it("starts untrained when no version's model can be loaded", async () => {
    const dir = await storeDir();
    const before = await open(dir);
    await before.addFeedback(feedback(20));
    await before.update("full");
    await before.close();
    const file = path.join(dir, "models", "v0001.json");
    await fs.writeFile(file, (await fs.readFile(file, "utf8")).replace('"kind":"full"', '"kind":"fuLL"'));
    const after = await open(dir);
    expect(after.activeVersion).toBeNull();
    expect(after.score(probes[0])).toMatchObject({ version: null });
    expect(after.pending).toBe(20);
  });
});

describe("closing", () => {
  it("waits for a running update, then releases the store", async () => {
    const dir = await storeDir();
    const model = await open(dir);
    await model.addFeedback(feedback(60));
    const update = model.update("full");
    await model.close();
    expect((await update).version).toBe("v0001");
    await expectError(model.update("full"), "model-closed");
    const again = await open(dir);
    expect(again.activeVersion).toBe("v0001");
  });

  it("can be called twice", async () => {
    const model = await open(await storeDir());
    await Promise.all([model.close(), model.close()]);
    expect(() => model.score({ a: 1, b: 1 })).toThrow(expect.objectContaining({ code: "model-closed" }));
  });
});

describe("a crash", () => {
  it("loses no acknowledged feedback when the process is killed mid-stream, and reopens consistently", async () => {
    const dir = await storeDir();
    const dist = path.resolve(__dirname, "../../dist/src/model/pattern-model.js");
    // The child acknowledges each feedback on stdout only after addFeedback resolved (durable).
    const script = `
      const { PatternModel } = require(${JSON.stringify(dist)});
      (async () => {
        const model = await PatternModel.open({ storeDir: ${JSON.stringify(dir)}, schema: { kind: "names", names: ["a", "b"] },
          forest: { trees: 8, maxDepth: 3, incrementalTrees: 2 }, updateThreshold: 20, minSamples: 5, guardrail: { maxDropPoints: 100 } });
        model.on("update", (u) => process.stdout.write("update " + u.version + "\\n"));
        for (let i = 0; ; i++) {
          await model.addFeedback([{ id: "k" + i, patternId: "p" + (i % 13), label: i % 2, features: { a: i % 7, b: i % 3 } }]);
          process.stdout.write("ack " + i + "\\n");
        }
      })();`;
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    writers.push(child);
    let acknowledged = -1;
    let updates = 0;
    const killed = new Promise<void>((resolve, reject) => {
      child.on("exit", (code) => reject(new Error(`the writer exited by itself (code ${code})`)));
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        for (const line of buffer.split("\n").slice(0, -1)) {
          if (line.startsWith("ack ")) acknowledged = Number(line.slice(4));
          else updates++;
        }
        buffer = buffer.slice(buffer.lastIndexOf("\n") + 1);
        // After at least one automatic update and some more feedback, kill it without warning.
        if (updates >= 1 && acknowledged >= 70 && child.exitCode === null) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await killed;
    if (child.exitCode === null && child.signalCode === null) await once(child, "exit");

    const model = await open(dir, { forest: { trees: 8, maxDepth: 3, incrementalTrees: 2 } });
    const { feedbackCount, pending } = model.metrics();
    expect(feedbackCount).toBeGreaterThanOrEqual(acknowledged + 1);
    const latest = Math.max(0, ...model.versions.list().map((v) => v.trainedOn.feedbackWatermark));
    expect(pending).toBe(feedbackCount - latest);
    expect(model.activeVersion).not.toBeNull();
    expect(model.score({ a: 1, b: 1 }).version).toBe(model.activeVersion);
  });
});

describe("holding automatic activation after a person's switch", () => {
  /** v0001 learned the flipped taste from 400 answers; every incremental tree is grown on the new batch alone. */
  async function heldOnAFlippedVersion(settings: Partial<PatternModelSettings> = {}) {
    const dir = await storeDir();
    const model = await open(dir, {
      forest: { ...FOREST, trees: 8, incrementalTrees: 8, historySample: 0, maxDepth: 3 },
      guardrail: { maxDropPoints: 2, samples: 60, ...settings.guardrail },
    });
    const alerts = alertsOf(model);
    await model.addFeedback(feedback(400, { flipped: true }));
    await model.update("full");
    await model.activate("v0001", { reason: "I like it", by: "anna" });
    await model.addFeedback(feedback(60, { seed: 40 }));
    const result = await model.update("incremental");
    return { dir, model, alerts, result };
  }

  it("holds after a rollback, says so, and keeps it across a restart", async () => {
    const { dir, model } = await twoVersions();
    const alerts = alertsOf(model);
    await model.rollback("previous", { by: "dashboard" });
    expect(model.metrics().hold).toMatchObject({ version: "v0001", by: "dashboard", reason: "rollback" });
    expect(alerts).toContainEqual(
      expect.objectContaining({
        type: "held",
        details: expect.objectContaining({ version: "v0001", until: "better" }),
      }),
    );
    await model.close();
    const after = await open(dir);
    expect(after.metrics().hold).toMatchObject({ version: "v0001", by: "dashboard" });
  });

  it("keeps new versions that are only not worse on trial while held (until one proves better)", async () => {
    const { model } = await twoVersions();
    await model.rollback("previous");
    await model.addFeedback(feedback(30, { seed: 41 }));
    const result = await model.update("full");
    expect(result).toMatchObject({ version: "v0003", activated: false, trial: { against: "v0001" } });
    await model.addFeedback(feedback(TRIAL * 2, { seed: 42 }));
    expect(model.activeVersion).toBe("v0001");
    expect(model.metrics().trial).toMatchObject({ version: "v0003", verdict: { outcome: "not-worse" } });
  });

  it("promotes a new version that proves better on new feedback, and the hold ends", async () => {
    const { model, alerts, result } = await heldOnAFlippedVersion();
    expect(result).toMatchObject({ version: "v0002", trial: { against: "v0001" } });
    await model.addFeedback(feedback(60, { seed: 43 }));
    await eventually("v0002 promoted", async () => (model.activeVersion === "v0002" ? true : undefined), 10_000);
    expect(model.metrics().hold).toBeNull();
    expect(alerts).toContainEqual(
      expect.objectContaining({
        type: "challenger-better",
        details: expect.objectContaining({ version: "v0002", held: "v0001", activated: true, outcome: "better" }),
      }),
    );
    expect(model.versions.get("v0002").evaluation).toMatchObject({ outcome: "better", against: "v0001" });
  });

  it("holds until a person resumes when set so, however much better a new version is", async () => {
    const { model, alerts } = await heldOnAFlippedVersion({ guardrail: { holdUntil: "resume" } });
    await model.addFeedback(feedback(60, { seed: 43 }));
    const better = await eventually("the challenger-better alert", async () =>
      alerts.find((a) => a.type === "challenger-better"),
    );
    expect(better).toMatchObject({ details: { version: "v0002", activated: false } });
    expect(better.message).toContain("until someone resumes");
    expect(model.activeVersion).toBe("v0001");
    expect(model.metrics().hold).toMatchObject({ version: "v0001", by: "anna" });
    await model.resume({ by: "anna" });
    expect(model.metrics().hold).toBeNull();
    // The next version goes live by the usual rule again.
    await model.addFeedback(feedback(60, { seed: 44 }));
    await model.update("incremental");
    await model.addFeedback(feedback(60, { seed: 45 }));
    await eventually("v0003 promoted", async () => (model.activeVersion === "v0003" ? true : undefined), 10_000);
  });

  it("refuses a resume with nothing held, and bad hold settings, naming the field", async () => {
    const { model } = await twoVersions();
    await expect(model.resume()).rejects.toMatchObject({ field: "hold" });
    await expect(model.resume({ by: 7 as unknown as string })).rejects.toMatchObject({ field: "by" });
    await expect(open(await storeDir(), { guardrail: { holdUntil: "never" as "resume" } })).rejects.toMatchObject({
      field: "settings.guardrail.holdUntil",
    });
    await expect(open(await storeDir(), { guardrail: { samples: 0 } })).rejects.toMatchObject({
      field: "settings.guardrail.samples",
    });
    expect(model.metrics().hold).toBeNull();
  });

  it("opens even when the version that was on trial cannot be loaded, saying so", async () => {
    const { dir, model } = await twoVersions();
    await model.addFeedback(feedback(30, { seed: 48 }));
    await model.update("full");
    await model.close();
    await makeUnusable(dir, "v0003");
    const after = await open(dir);
    expect(after.activeVersion).toBe("v0002");
    expect(after.metrics().trial).toBeNull();
    expect(after.openAlerts).toContainEqual(
      expect.objectContaining({ type: "store-error", message: expect.stringContaining("v0003") }),
    );
  });

  it("resumes the trial running at a restart with the evidence kept in the store", async () => {
    const { dir, model } = await twoVersions();
    await model.addFeedback(feedback(30, { seed: 46 }));
    await model.update("full");
    await model.addFeedback(feedback(5, { seed: 47 }));
    const before = model.metrics().trial!.verdict;
    expect(model.metrics().trial).toMatchObject({ version: "v0003", verdict: { samples: 5 } });
    await model.close();
    const after = await open(dir);
    // The same 5 answers, the same figures: the verdict after the restart uses all the evidence.
    expect(after.metrics().trial).toMatchObject({ version: "v0003", against: "v0002", verdict: { samples: 5 } });
    expect(after.metrics().trial!.verdict.interval).toEqual(before.interval);
    await after.addFeedback(feedback(3, { seed: 48 }));
    expect(after.metrics().trial!.verdict.samples).toBe(8);
    await promote(after, "v0003");
  });

  it("resumes the first version's judgement alone at a restart with the figures kept in the store", async () => {
    const dir = await storeDir();
    const model = await open(dir);
    await model.addFeedback(feedback(60));
    await model.update("full");
    await model.addFeedback(feedback(TRIAL - 10, { seed: 31 }));
    const before = model.metrics().trial!;
    expect(before).toMatchObject({ version: "v0001", against: null, verdict: { samples: TRIAL - 10 } });
    await model.close();
    // What the command line reads beside the store says it is on trial too.
    expect(await readTrialVersions(dir)).toMatchObject({ onTrial: "v0001", waiting: null });
    const after = await open(dir);
    expect(after.metrics().trial).toMatchObject({ version: "v0001", against: null, verdict: before.verdict });
    // The 10 answers still missing decide it, on all TRIAL of them.
    await after.addFeedback(feedback(10, { seed: 32 }));
    const judged = await eventually("v0001 evaluated", async () => after.versions.get("v0001").evaluation ?? undefined);
    expect(judged).toMatchObject({ samples: TRIAL, against: null, outcome: "judged alone" });
  });

  it("keeps its alerts and accuracy history across a restart", async () => {
    const { dir, model } = await twoVersions();
    await model.addFeedback(feedback(20, { seed: 61 }));
    await model.update("full", "restart test");
    const before = model.feed!.view();
    expect(before.accuracy.points.length).toBeGreaterThan(1);
    expect(before.accuracy.marks.length).toBeGreaterThan(0);
    await model.close();
    const after = await open(dir);
    const kept = after.feed!.view();
    expect(kept.since).toBe(before.since);
    expect(kept.accuracy).toEqual(before.accuracy);
    expect(kept.alerts).toEqual(before.alerts);
  });

  it("sets a damaged alerts file aside and reports it, starting the history afresh", async () => {
    const { dir, model } = await twoVersions();
    await model.close();
    await fs.writeFile(path.join(dir, "alerts.json"), '{"format":"pattern-quality-feed","since":1}');
    const after = await open(dir);
    expect(after.openAlerts.some((a) => a.type === "store-error" && a.message.includes("alerts.json is damaged"))).toBe(
      true,
    );
    expect((await fs.readdir(dir)).some((n) => n.startsWith("alerts.json.corrupt"))).toBe(true);
    // Afresh: the chart starts at the present accuracy, without the marks of the versions before.
    expect(after.feed!.view().accuracy.points.length).toBeLessThanOrEqual(1);
    expect(after.feed!.view().accuracy.marks).toEqual([]);
  });

  it("sets a damaged trials file aside and reports it like the other store files", async () => {
    const aloneWithMoreRightThanAnswers = {
      format: "pattern-quality-trials",
      running: {
        version: "v0001",
        against: null,
        vsActive: [],
        vsReference: null,
        alone: { samples: 3, correct: 5, predictedPositive: 1, positive: 1, brierSum: 0.5, logLossSum: 1 },
      },
      waiting: null,
      setAside: [],
    };
    for (const damaged of ["{ not json", JSON.stringify(aloneWithMoreRightThanAnswers)]) {
      const { dir, model } = await twoVersions();
      await model.close();
      await fs.writeFile(path.join(dir, "trials.json"), damaged);
      const after = await open(dir);
      expect(after.openAlerts).toContainEqual(
        expect.objectContaining({ type: "store-error", message: expect.stringContaining("trials.json is damaged") }),
      );
      const names = await fs.readdir(dir);
      expect(names.some((n) => n.startsWith("trials.json.corrupt"))).toBe(true);
      await after.close();
    }
  });
});
