import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PatternModel } from "../../src/model/pattern-model";
import {
  allNodes,
  feedbackBatch,
  helper,
  initNodeRed,
  modelConfig,
  nextError,
  nextMessage,
  statusWith,
  promote,
  TRIAL_SAMPLES,
  tempDir,
} from "./harness";

beforeAll(() => initNodeRed());
afterEach(async () => {
  await helper.unload();
  helper.settings({ userDir: undefined });
});

function flow(dir: string, extra: Record<string, unknown> = {}) {
  return [
    modelConfig("m1", dir, extra),
    { id: "c1", type: "feedback-collector", model: "m1", wires: [["stored"]] },
    { id: "v1", type: "model-version", model: "m1", wires: [["versions"]] },
    { id: "stored", type: "helper" },
    { id: "versions", type: "helper" },
  ];
}

async function feedThrough(n: number) {
  const received = nextMessage(helper.getNode("stored"));
  helper.getNode("c1").receive({ payload: feedbackBatch(n) });
  return (await received).payload;
}

describe("pattern-model configuration node", () => {
  it("opens one model on its store directory and shares it with the other nodes", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, flow(dir));
    const config = helper.getNode("m1");
    const model = await config.model();
    expect(model).toBeInstanceOf(PatternModel);
    expect(config.current).toBe(model);
    await feedThrough(5);
    expect(model.metrics().feedbackCount).toBe(5);
    expect((await fs.readdir(dir)).length).toBeGreaterThan(0);
  });

  it("keeps its store under <userDir>/pattern-quality/<node id> when no directory is given", async () => {
    const userDir = await tempDir();
    helper.settings({ userDir });
    await helper.load(allNodes, flow("", {}));
    await helper.getNode("m1").model();
    await feedThrough(3);
    expect((await fs.readdir(path.join(userDir, "pattern-quality", "m1"))).length).toBeGreaterThan(0);
  });

  it("reports a bad setting to every node that uses it, naming the field", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, flow(dir, { trees: 0 }));
    await expect(helper.getNode("m1").model()).rejects.toThrow(/pattern-model\.trees/);
    const collector = helper.getNode("c1");
    const error = nextError(collector);
    collector.receive({ payload: feedbackBatch(1) });
    expect((await error).message).toMatch(/pattern-model\.trees/);
  });

  it("refuses a second model on a directory already in use, and says so", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, [...flow(dir), { ...modelConfig("m2", dir), name: "twin" }]);
    const results = await Promise.allSettled([helper.getNode("m1").model(), helper.getNode("m2").model()]);
    const failed = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(failed).toHaveLength(1);
    expect(String(failed[0].reason.message)).toMatch(/lock|in use|already open|another/i);
  });

  it("closes on unload, releasing the store so it opens again", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, flow(dir));
    const model = await helper.getNode("m1").model();
    await helper.unload();
    expect(helper.getNode("m1")).toBeFalsy();
    // The lock is released: the directory opens again in this process.
    const reopened = await PatternModel.open({
      storeDir: dir,
      schema: { kind: "names", names: ["hour", "devices", "confidence"] },
    });
    await reopened.close();
    expect(() => model.score({ hour: 1, devices: 1, confidence: 0 })).toThrow();
    await helper.load(allNodes, flow(dir));
  });

  it("waits for a running update when it closes, then releases the store", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, flow(dir));
    const model = await helper.getNode("m1").model();
    await feedThrough(200);
    const update = model.update("full", "closing test");
    await helper.unload();
    // The update finished (or was refused cleanly) before the store closed: no version is half-written.
    await update.then(
      (result: { version: string }) => expect(result.version).toBe("v0001"),
      (error: Error) => expect(error.message).toMatch(/clos/),
    );
    const reopened = await PatternModel.open({
      storeDir: dir,
      schema: { kind: "names", names: ["hour", "devices", "confidence"] },
    });
    expect(reopened.metrics().feedbackCount).toBe(200);
    await reopened.close();
    await helper.load(allNodes, flow(dir));
  });

  it("survives a redeploy: the new configuration node reopens the store with everything in it", async () => {
    const dir = await tempDir();
    const nodes = flow(dir);
    await helper.load(allNodes, nodes);
    await feedThrough(60);
    const first = await helper.getNode("m1").model();
    await first.update("full", "before redeploy");
    await feedThrough(30);
    await first.update("incremental", "before redeploy");
    await promote(first, "v0002");
    await first.rollback("previous", { reason: "test", by: "test" });

    // A full deploy with a changed setting restarts every node.
    await helper.setFlows(flow(dir, { name: "renamed" }), "full");
    const second = await helper.getNode("m1").model();
    expect(second).not.toBe(first);
    expect(second.metrics().feedbackCount).toBe(90 + TRIAL_SAMPLES);
    expect(second.versions.list().map((v: { id: string }) => v.id)).toEqual(["v0001", "v0002"]);
    expect(second.activeVersion).toBe("v0001");
    const pending = `${TRIAL_SAMPLES + 1} pending`;
    const status = statusWith(helper.getNode("c1"), (s) => s.text?.startsWith(pending) === true);
    await feedThrough(1);
    expect((await status).text).toBe(`${pending} · v0001`);
  });

  it("keeps the same open model when a deploy changes only the nodes that use it", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, flow(dir));
    const first = await helper.getNode("m1").model();
    await feedThrough(4);
    const changed = flow(dir).map((n) => (n.id === "c1" ? { ...n, name: "renamed collector" } : n));
    await helper.setFlows(changed, "nodes");
    expect(await helper.getNode("m1").model()).toBe(first);
    await feedThrough(1);
    expect(first.metrics().feedbackCount).toBe(5);
  });

  it("restores feedback, versions and the active version after a restart", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, flow(dir));
    await feedThrough(60);
    const model = await helper.getNode("m1").model();
    await model.update("full", "a");
    await feedThrough(30);
    await model.update("incremental", "b");
    await promote(model, "v0002");
    await model.activate("v0001", { reason: "restart test", by: "test" });
    const score = model.score({ hour: 19, devices: 2, confidence: 0.5 }).score;
    await helper.unload();

    await helper.load(allNodes, flow(dir));
    const restored = await helper.getNode("m1").model();
    expect(restored.metrics().feedbackCount).toBe(90 + TRIAL_SAMPLES);
    expect(restored.activeVersion).toBe("v0001");
    expect(restored.versions.list()).toHaveLength(2);
    expect(restored.versions.activations().at(-1)).toMatchObject({ to: "v0001", reason: "restart test" });
    expect(restored.score({ hour: 19, devices: 2, confidence: 0.5 }).version).toBe("v0001");
    expect(typeof score).toBe("number");
  });
});
