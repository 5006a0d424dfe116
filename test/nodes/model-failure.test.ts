import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { updateStatus } from "../../nodes/incremental-update/incremental-update";
import { allNodes, helper, initNodeRed, modelConfig, statusWith, tempDir } from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

describe("nodes whose pattern model cannot open", () => {
  for (const type of ["feedback-collector", "incremental-update", "model-version", "pattern-score"]) {
    it(`${type} shows a red ring naming the bad setting`, async () => {
      const dir = await tempDir();
      await helper.load(allNodes, [
        modelConfig("m1", dir, { maxDepth: 99 }),
        { id: "n1", type, model: "m1", wires: [[], []] },
      ]);
      const node = helper.getNode("n1");
      const red = statusWith(node, (s) => s.fill === "red");
      await helper
        .getNode("m1")
        .model()
        .catch(() => undefined);
      expect((await red).text).toBe("bad maxDepth");
    });
  }
});

describe("incremental-update status after an update", () => {
  const result = {
    version: "v0007",
    kind: "incremental" as const,
    trial: null,
    prequentialAccuracy: 0.912,
    fadingAccuracy: 0.9,
    kappa: 0.8,
    brier: 0.1,
    updateTimeMs: 40,
    samples: 700,
    treesReplaced: 3,
    recentAccuracy: 0.8,
    reason: "auto-update",
    guardrail: "",
  };

  it("shows the new version and its accuracy when it went live", () => {
    expect(updateStatus({ ...result, activated: true }, "v0007")).toEqual({
      fill: "green",
      shape: "dot",
      text: "v0007 · 91.2%",
    });
  });

  it("shows the version on trial, or whose trial the new one waits for", () => {
    const trial = { against: "v0006", samplesNeeded: 50, waitingFor: null };
    expect(updateStatus({ ...result, activated: false, trial }, "v0006")).toMatchObject({ text: "v0007 on trial" });
    expect(
      updateStatus({ ...result, activated: false, trial: { ...trial, waitingFor: "v0005" } }, "v0006"),
    ).toMatchObject({ text: "v0007 waits on v0005" });
  });

  it("shows the version kept when the guardrail refused the new one", () => {
    expect(updateStatus({ ...result, activated: false }, "v0006")).toEqual({
      fill: "yellow",
      shape: "dot",
      text: "kept v0006",
    });
  });
});
