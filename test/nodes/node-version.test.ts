// On a Node.js whose require() cannot load ES modules (lowdb 7 is ESM-only), the package says so:
// once in the log, in every node's status, and in every message it refuses.
import * as fs from "node:fs/promises";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodeVersionMessage, requiredNodeVersion } from "../../nodes/shared/node-version";
import { allNodes, helper, initNodeRed, modelConfig, nextError, tempDir, type TestNode } from "./harness";

describe("requiredNodeVersion", () => {
  it.each([
    ["18.20.4", "20.19"],
    ["v20.12.2", "20.19"],
    ["20.18.3", "20.19"],
    ["20.19.0", null],
    ["v20.20.2", null],
    ["21.7.3", "22.12"],
    ["22.11.0", "22.12"],
    ["22.12.0", null],
    ["23.0.0", null],
    ["24.11.1", null],
    ["not a version", "20.19"],
  ])("on Node.js %s needs %s", (version, required) => {
    expect(requiredNodeVersion(version)).toBe(required);
  });

  it("names the Node.js it runs on and what it needs", () => {
    const message = nodeVersionMessage("v20.12.2");
    expect(message).toContain("Node.js 20.12.2");
    expect(message).toContain("needs Node.js 20.19 or later");
    expect(message).toContain("22.12 or later");
  });
});

/** Runs `body` as if Node-RED ran on Node.js `version` (process.versions.node is configurable). */
async function onNode<T>(version: string, body: () => Promise<T>): Promise<T> {
  const real = Object.getOwnPropertyDescriptor(process.versions, "node")!;
  Object.defineProperty(process.versions, "node", { ...real, value: version });
  try {
    return await body();
  } finally {
    Object.defineProperty(process.versions, "node", real);
  }
}

/** The statuses a node has shown so far (the test helper spies on every node's status). */
function statuses(node: TestNode): unknown[] {
  const spy = node.status as unknown as { getCalls(): { thisValue: unknown; args: unknown[] }[] };
  return spy
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0]);
}

const FLOW_NODES = ["feedback-collector", "incremental-update", "model-version", "pattern-score"];

describe("the nodes registered on Node.js 20.12", () => {
  beforeAll(() => initNodeRed());
  afterEach(() => helper.unload());

  it("log one error, show a red ring, refuse every message and never open the store", async () => {
    const storeDir = await tempDir();
    await onNode("20.12.2", () =>
      helper.load(allNodes, [
        modelConfig("m1", storeDir),
        ...FLOW_NODES.map((type) => ({ id: `${type}-1`, type, model: "m1", wires: [["out"], ["out"]] })),
        { id: "out", type: "helper" },
      ]),
    );
    const logged = helper
      .log()
      .getCalls()
      .map((call) => call.args[0] as { level: number; msg: unknown })
      .filter((entry: { msg: unknown }) => String(entry.msg).includes("needs Node.js 20.19"));
    expect(logged).toHaveLength(1);
    expect(logged[0].level).toBe(helper.log().ERROR);

    const out = helper.getNode("out");
    let sent = 0;
    out.on("input", () => sent++);
    for (const type of FLOW_NODES) {
      const node = helper.getNode(`${type}-1`);
      expect(statuses(node), type).toEqual([{ fill: "red", shape: "ring", text: "needs Node.js ≥20.19" }]);
      const refused = nextError(node);
      node.receive({ payload: { patternId: "p1", label: "approve", features: { hour: 1, devices: 1 } } });
      expect((await refused).message, type).toBe(nodeVersionMessage("20.12.2"));
    }
    expect(sent).toBe(0);
    // The model was never opened: its store directory is as empty as it was made.
    expect(await fs.readdir(storeDir)).toEqual([]);
  });
});
