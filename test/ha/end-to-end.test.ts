import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Feedback } from "../../src/feedback/feedback";
import { HaFeedbackSource } from "../../src/ha/feedback-source";
import { PatternModel, type UpdateResult } from "../../src/model/pattern-model";
import { connectionTo, onCleanup, startSimulator, until } from "./fixtures";

// The household's decisions in these tests follow one rule the model can learn: it approves
// patterns with high confidence and few devices.
const features = (i: number) => ({ confidence: (i % 10) / 10, devices: i % 4 });
const decision = (i: number) => ((i % 10) / 10 > 0.45 && i % 4 < 3 ? "approve" : "reject");

async function openModel(settings: Record<string, unknown> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), "pattern-quality-ha-e2e-"));
  const model = await PatternModel.open({
    storeDir: dir,
    schema: { kind: "names", names: ["confidence", "devices"] },
    ...settings,
  });
  onCleanup(async () => {
    await model.close();
    await rm(dir, { recursive: true, force: true });
  });
  return model;
}

/** Feeds every feedback the source emits into the model, in order, as feedback-collector does. */
function wire(source: HaFeedbackSource, model: PatternModel) {
  const stored: string[] = [];
  const duplicates: string[] = [];
  let chain = Promise.resolve();
  source.on("feedback", (feedback: Feedback) => {
    chain = chain
      .then(() => model.addFeedback([feedback]))
      .then((result) => {
        stored.push(...result.stored.map((s) => s.id));
        duplicates.push(...result.duplicates);
      });
  });
  return { stored, duplicates, settled: () => chain };
}

describe("from Home Assistant to an updated model", () => {
  it("learns from actionable notification answers until an update makes a new version", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const model = await openModel({ updateThreshold: 30, minSamples: 30, forest: { trees: 10 } });
    const updates: UpdateResult[] = [];
    model.on("update", (u: UpdateResult) => updates.push(u));
    for (let i = 0; i < 30; i++) await model.rememberPattern(`p${i}`, features(i));
    const source = new HaFeedbackSource(connection);
    const { stored, settled } = wire(source, model);
    await source.start();
    for (let i = 0; i < 30; i++) {
      const verdict = decision(i) === "approve" ? "APPROVE" : "REJECT";
      sim.fireEvent(
        "mobile_app_notification_action",
        { action: `PATTERN_${verdict}_p${i}` },
        { origin: "REMOTE", userId: "user-anna" },
      );
    }
    await until(() => stored.length === 30, "30 stored feedback");
    await settled();
    await until(() => updates.length === 1, "the automatic update");
    expect(model.activeVersion).toBe(updates[0]!.version);
    expect(updates[0]!.samples).toBe(30);
  });

  it("stores each of the three explicit sources' decisions", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const model = await openModel({ autoUpdate: false });
    await model.rememberPattern("by-phone", features(7));
    await model.rememberPattern("by-helper", features(8));
    const source = new HaFeedbackSource(connection, {
      helperEntities: { enabled: true, entityIds: ["input_select.pattern_decision"] },
    });
    const { stored, settled } = wire(source, model);
    await source.start();
    const a = sim.fireEvent("mobile_app_notification_action", { action: "PATTERN_APPROVE_by-phone" });
    const b = sim.fireEvent("pattern_feedback", { pattern_id: "by-script", decision: "reject", features: features(3) });
    const c = sim.setState("input_select.pattern_decision", "approve", { pattern_id: "by-helper" });
    await until(() => stored.length === 3);
    await settled();
    expect(stored).toEqual([a.context.id, b.context.id, c.context.id]);
    expect(model.pending).toBe(3);
  });

  it("stores all 1,000 decisions fired within one second, none lost or doubled", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const model = await openModel({ autoUpdate: false });
    const source = new HaFeedbackSource(connection);
    const { stored, duplicates, settled } = wire(source, model);
    await source.start();
    const fired: string[] = [];
    for (let i = 0; i < 1000; i++) {
      fired.push(
        sim.fireEvent("pattern_feedback", { pattern_id: `p${i}`, decision: decision(i), features: features(i) }).context
          .id,
      );
    }
    await until(() => stored.length === 1000, "1,000 stored feedback");
    await settled();
    expect(stored).toEqual(fired);
    expect(duplicates).toEqual([]);
  });

  it("stores every decision made after a restart once, also when Home Assistant repeats one", async () => {
    const sim = await startSimulator();
    const { connection, subscribed } = connectionTo(sim);
    await connection.connect();
    const model = await openModel({ autoUpdate: false });
    const source = new HaFeedbackSource(connection);
    const { stored, settled } = wire(source, model);
    await source.start();
    const before = Array.from(
      { length: 50 },
      (_, i) =>
        sim.fireEvent("pattern_feedback", { pattern_id: `a${i}`, decision: "approve", features: features(i) }).context
          .id,
    );
    await until(() => stored.length === 50);
    await sim.restart(100);
    await until(() => subscribed.length === 4, "both subscriptions renewed");
    const after = Array.from(
      { length: 50 },
      (_, i) =>
        sim.fireEvent("pattern_feedback", { pattern_id: `b${i}`, decision: "reject", features: features(i) }).context
          .id,
    );
    sim.fireEvent(
      "pattern_feedback",
      { pattern_id: "b0", decision: "reject", features: features(0) },
      { contextId: after[0] },
    );
    await until(() => stored.length === 100);
    await settled();
    expect(stored).toEqual([...before, ...after]);
  });
});
