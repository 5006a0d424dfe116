import { promises as fs } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { allNodes, feedbackBatch, helper, initNodeRed, modelConfig, tempDir } from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

/** What a node wrote to the Node-RED log at `level` (the test helper records the calls). */
function logged(node: any, level: "warn" | "error"): string {
  return node[level]
    .getCalls()
    .map((call: { args: unknown[] }) => String(call.args[0]))
    .join("\n");
}

const flow = (dir: string) => [
  modelConfig("m1", dir),
  { id: "c1", type: "feedback-collector", model: "m1", wires: [[]] },
];

describe("store damage", () => {
  it("is written to the Node-RED log once and shown in the status of the model's nodes", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, flow(dir));
    const model = await helper.getNode("m1").model();
    await model.addFeedback(feedbackBatch(5));
    await helper.unload();
    // A line damaged on disk (e.g. by a power cut in the middle of a write elsewhere).
    await fs.appendFile(path.join(dir, "feedback.jsonl"), '{"seq": 6, "id": "broken"\n');

    await helper.load(allNodes, flow(dir));
    await helper.getNode("m1").model();
    // The status may have been set before this test could listen: read what the node was given.
    const statuses = () =>
      helper
        .getNode("c1")
        .status.getCalls()
        .map((call) => call.args[0] as { fill?: string; text?: string });
    const status = await eventually(
      "the store status",
      async () => statuses().find((s: { text?: string }) => s.text?.includes("(log)")),
      5000,
    );
    expect(status).toMatchObject({ fill: "yellow", text: "store repaired (log)" });
    await eventually("the log line", async () => (logged(helper.getNode("m1"), "warn") ? true : undefined), 5000);
    expect(logged(helper.getNode("m1"), "warn")).toMatch(/store: .*feedback\.jsonl/);
    // Once per model, not once per node using it.
    expect(
      logged(helper.getNode("m1"), "warn")
        .split("\n")
        .filter((line) => line.startsWith("store:")),
    ).toHaveLength(1);
  });
});
