import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  allNodes,
  feedbackBatch,
  helper,
  initNodeRed,
  modelConfig,
  nextError,
  nextMessage,
  statusWith,
  tempDir,
} from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function loadUpdate(options: { automatic?: boolean; mode?: string; model?: Record<string, unknown> } = {}) {
  const dir = await tempDir();
  await helper.load(allNodes, [
    modelConfig("m1", dir, options.model),
    {
      id: "u1",
      type: "incremental-update",
      model: "m1",
      ...(options.mode ? { mode: options.mode } : {}),
      automatic: options.automatic ?? true,
      wires: [["metrics"], ["alerts"]],
    },
    { id: "c1", type: "feedback-collector", model: "m1", wires: [["stored"]] },
    { id: "metrics", type: "helper" },
    { id: "alerts", type: "helper" },
    { id: "stored", type: "helper" },
  ]);
  const nodes = {
    dir,
    model: await helper.getNode("m1").model(),
    update: helper.getNode("u1"),
    collector: helper.getNode("c1"),
    metrics: helper.getNode("metrics"),
    alerts: helper.getNode("alerts"),
    stored: helper.getNode("stored"),
  };
  return nodes;
}

async function feed(nodes: Awaited<ReturnType<typeof loadUpdate>>, n: number) {
  const received = nextMessage(nodes.stored);
  nodes.collector.receive({ payload: feedbackBatch(n) });
  return (await received).payload;
}

const METRIC_FIELDS = [
  "version",
  "kind",
  "prequentialAccuracy",
  "kappa",
  "brier",
  "updateTimeMs",
  "samples",
  "treesReplaced",
  "activated",
  "reason",
];

describe("incremental-update", () => {
  it("trains a version on any message and sends its metrics on output 1", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    const metrics = nextMessage(nodes.metrics);
    nodes.update.receive({ payload: "go" });
    const msg = await metrics;
    for (const field of METRIC_FIELDS) expect(msg.payload).toHaveProperty(field);
    expect(msg.payload).toMatchObject({ version: "v0001", kind: "full", activated: true, samples: 60 });
    expect(nodes.model.activeVersion).toBe("v0001");
  });

  it("grows the forest incrementally after the first version, and fully on msg.mode full", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    let metrics = nextMessage(nodes.metrics);
    nodes.update.receive({});
    await metrics;
    await feed(nodes, 40);
    metrics = nextMessage(nodes.metrics);
    nodes.update.receive({});
    expect((await metrics).payload).toMatchObject({ version: "v0002", kind: "incremental", treesReplaced: 3 });
    metrics = nextMessage(nodes.metrics);
    nodes.update.receive({ mode: "full", reason: "nightly" });
    expect((await metrics).payload).toMatchObject({ version: "v0003", kind: "full", reason: "nightly" });
  });

  it("retrains fully on every message when its mode is full", async () => {
    const nodes = await loadUpdate({ mode: "full" });
    await feed(nodes, 60);
    let metrics = nextMessage(nodes.metrics);
    nodes.update.receive({});
    await metrics;
    await feed(nodes, 20);
    metrics = nextMessage(nodes.metrics);
    nodes.update.receive({});
    expect((await metrics).payload).toMatchObject({ version: "v0002", kind: "full" });
  });

  it("reports, on its input message, only the updates it was asked for when automatic reporting is off", async () => {
    const nodes = await loadUpdate({ automatic: false });
    await feed(nodes, 60);
    const metrics = nextMessage(nodes.metrics);
    nodes.update.receive({ topic: "mine", payload: 1 });
    const msg = await metrics;
    expect(msg.topic).toBe("mine");
    expect(msg.payload.version).toBe("v0001");
  });

  it("reports the automatic update the model starts at its threshold", async () => {
    const nodes = await loadUpdate({ model: { autoUpdate: true, updateThreshold: 50 } });
    const metrics = nextMessage(nodes.metrics);
    const result = await feed(nodes, 50);
    expect(result.updateTriggered).toBe(true);
    const msg = await metrics;
    expect(msg.payload).toMatchObject({ version: "v0001", reason: "auto-update" });
  });

  it("shows the new version and its accuracy in its status", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    const status = statusWith(nodes.update, (s) => s.fill === "green");
    nodes.update.receive({});
    expect((await status).text).toMatch(/^v0001 · \d+\.\d%$/);
  });

  it("shows training while a version is trained", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    const status = statusWith(nodes.update, (s) => s.fill === "blue");
    nodes.update.receive({});
    expect((await status).text).toBe("training full…");
  });

  it("sends a slow-update alert on output 2 when an update exceeds the time budget", async () => {
    // A budget of 1 ms cannot be met by any real update, so the alert must come.
    const nodes = await loadUpdate({ model: { updateBudgetMs: 1 } });
    await feed(nodes, 60);
    const alert = nextMessage(nodes.alerts);
    nodes.update.receive({});
    const msg = await alert;
    expect(msg.topic).toBe("slow-update");
    expect(msg.payload).toMatchObject({
      type: "slow-update",
      severity: expect.any(String),
      message: expect.stringContaining("v0001"),
    });
  });

  it("coalesces messages that arrive during an update into one follow-up", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    const first = nextMessage(nodes.metrics);
    nodes.update.receive({});
    await feed(nodes, 30);
    // Three requests while v0001 trains: one follow-up version, not three.
    nodes.update.receive({});
    nodes.update.receive({});
    nodes.update.receive({});
    await first;
    const second = await nextMessage(nodes.metrics);
    expect(second.payload.version).toBe("v0002");
    while (nodes.model.updating) await new Promise((resolve) => setImmediate(resolve));
    expect(nodes.model.versions.list().map((v: { id: string }) => v.id)).toEqual(["v0001", "v0002"]);
  });

  it("turns red and sends a store-error alert when an automatic update cannot be saved", async () => {
    const nodes = await loadUpdate({ model: { autoUpdate: true, updateThreshold: 50 } });
    // A file where the versions' directory belongs: the new version cannot be written.
    const models = path.join(nodes.dir, "models");
    await fs.rm(models, { recursive: true, force: true });
    await fs.writeFile(models, "not a directory");
    const red = statusWith(nodes.update, (s) => s.fill === "red");
    const alert = nextMessage(nodes.alerts);
    await feed(nodes, 60);
    expect((await red).text).toBe("update failed");
    // A disk failure is reported as a store error (other failures of an automatic update as update-failed).
    expect((await alert).payload).toMatchObject({ type: "store-error", severity: "error" });
    expect(nodes.model.versions.list()).toHaveLength(0);
  });

  describe("refuses what cannot run, with an error a flow author can act on", () => {
    it("an unknown msg.mode", async () => {
      const nodes = await loadUpdate();
      const error = nextError(nodes.update);
      nodes.update.receive({ mode: "partial" });
      expect((await error).message).toMatch(/msg\.mode.*incremental or full/);
      expect(nodes.model.versions.list()).toHaveLength(0);
    });

    it("too few feedback for a first version", async () => {
      const nodes = await loadUpdate();
      await feed(nodes, 3);
      const error = nextError(nodes.update);
      const red = statusWith(nodes.update, (s) => s.fill === "red");
      nodes.update.receive({});
      expect((await error).message).toMatch(/at least 10 feedback.*7 more/);
      await red;
      expect(nodes.model.versions.list()).toHaveLength(0);
    });

    it("no model configured", async () => {
      await helper.load(allNodes, [{ id: "u1", type: "incremental-update", wires: [[], []] }]);
      const node = helper.getNode("u1");
      const error = nextError(node);
      node.receive({});
      expect((await error).message).toMatch(/no pattern model/);
    });
  });
});
