import * as fs from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { UPDATE_SPEC } from "../../src/settings/spec";
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
  tempDir,
} from "./harness";

const require = createRequire(import.meta.url);

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function loadUpdate(options: { reportOthers?: boolean; mode?: string; model?: Record<string, unknown> } = {}) {
  const dir = await tempDir();
  await helper.load(allNodes, [
    modelConfig("m1", dir, options.model),
    {
      id: "u1",
      type: "incremental-update",
      model: "m1",
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.reportOthers === undefined ? {} : { reportOthers: options.reportOthers }),
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

  it("answers every message once, on the message itself, keeping its properties", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    const sent: any[] = [];
    nodes.metrics.on("input", (msg: any) => sent.push(msg));
    const req = { stand: "in for http in's req" };
    const res = { _res: { stand: "in for http in's res" } };
    const reply = nextMessage(nodes.metrics);
    nodes.update.receive({ topic: "mine", payload: 1, req, res, correlation: 7 });
    const msg = await reply;
    expect(msg).toMatchObject({ topic: "mine", req, res, correlation: 7, payload: { version: "v0001" } });
    while (nodes.model.updating) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toHaveLength(1);
  });

  it("ends every one of several messages sent during an update in a reply or an error", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    const ended: string[] = [];
    nodes.metrics.on("input", (msg: any) => ended.push(`${msg.id}: ${msg.payload.version}`));
    nodes.update.on("call:error", (call: { args: [Error, { id: string }] }) => {
      ended.push(`${call.args[1].id}: ${call.args[0].message.slice(0, 15)}`);
    });
    for (const id of ["a", "b", "c"]) nodes.update.receive({ id });
    while (ended.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    // b and c joined the one follow-up, which had no new feedback to learn from.
    expect(ended.sort()).toEqual(["a: v0001", "b: no new feedback", "c: no new feedback"]);
  });

  it("does not report updates it did not start, unless asked to", async () => {
    const nodes = await loadUpdate({ model: { autoUpdate: true, updateThreshold: 50 } });
    const sent: any[] = [];
    nodes.metrics.on("input", (msg: any) => sent.push(msg));
    const green = statusWith(nodes.update, (s) => s.fill === "green");
    expect((await feed(nodes, 50)).updateTriggered).toBe(true);
    // The status still follows every update of the model.
    expect((await green).text).toMatch(/^v0001/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([]);
    expect(UPDATE_SPEC.reportOthers.default).toBe(false);
  });

  it("reports the automatic update the model starts at its threshold when reporting other updates is on", async () => {
    const nodes = await loadUpdate({ reportOthers: true, model: { autoUpdate: true, updateThreshold: 50 } });
    const metrics = nextMessage(nodes.metrics);
    const result = await feed(nodes, 50);
    expect(result.updateTriggered).toBe(true);
    const msg = await metrics;
    expect(msg).toMatchObject({ topic: "update", payload: { version: "v0001", reason: "auto-update" } });
  });

  it("reports each update once when reporting other updates is on: its own on the message, others apart", async () => {
    const nodes = await loadUpdate({ reportOthers: true });
    await feed(nodes, 60);
    const sent: any[] = [];
    nodes.metrics.on("input", (msg: any) => sent.push(msg));
    const mine = nextMessage(nodes.metrics);
    nodes.update.receive({ topic: "mine" });
    await mine;
    await feed(nodes, 30);
    await nodes.model.update("incremental", "another node");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent.map((m) => [m.topic, m.payload.version])).toEqual([
      ["mine", "v0001"],
      ["update", "v0002"],
    ]);
  });

  it("answers an http in request through http response", async () => {
    const network = require(
      require.resolve("@node-red/nodes/core/network/21-httpin.js", { paths: [require.resolve("node-red")] }),
    );
    let app: http.RequestListener | undefined;
    const httpNodes = (RED: any) => {
      app = RED.httpNode;
      return network(RED);
    };
    const dir = await tempDir();
    await helper.load(
      [...allNodes, httpNodes],
      [
        modelConfig("m1", dir),
        { id: "in", type: "http in", url: "/update", method: "post", wires: [["u1"]] },
        // As saved by an older version of the node: automatic reporting on, no reportOthers.
        { id: "u1", type: "incremental-update", model: "m1", automatic: true, wires: [["out"], []] },
        { id: "out", type: "http response", statusCode: "", headers: {}, wires: [] },
      ],
    );
    const model = await helper.getNode("m1").model();
    await model.addFeedback(feedbackBatch(60));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/update`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: "over http" }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ version: "v0001", activated: true });
    } finally {
      server.close();
    }
  });

  it("shows the new version and its accuracy in its status", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    const status = statusWith(nodes.update, (s) => s.fill === "green" && /^v0001 · /.test(s.text ?? ""));
    nodes.update.receive({});
    expect((await status).text).toMatch(/^v0001 · \d+\.\d%$/);
  });

  it("shows a later version on trial beside the live one, then live once promoted", async () => {
    const nodes = await loadUpdate();
    await feed(nodes, 60);
    nodes.update.receive({});
    await statusWith(nodes.update, (s) => s.text?.startsWith("v0001 · ") === true);
    await feed(nodes, 30);
    const trial = statusWith(nodes.update, (s) => s.text === "v0002 on trial");
    nodes.update.receive({});
    expect(await trial).toMatchObject({ fill: "blue", shape: "ring" });
    const live = statusWith(nodes.update, (s) => s.text === "v0002 live");
    await promote(nodes.model, "v0002");
    expect(await live).toMatchObject({ fill: "green" });
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
