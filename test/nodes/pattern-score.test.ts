import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { allNodes, feedbackBatch, helper, initNodeRed, modelConfig, nextError, nextMessage, tempDir } from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function loadScore(options: { threshold?: unknown; model?: Record<string, unknown> } = {}) {
  const dir = await tempDir();
  await helper.load(allNodes, [
    modelConfig("m1", dir, options.model),
    { id: "s1", type: "pattern-score", model: "m1", threshold: options.threshold ?? 0.5, wires: [["scored"], ["ask"]] },
    { id: "c1", type: "feedback-collector", model: "m1", wires: [["stored"]] },
    { id: "scored", type: "helper" },
    { id: "ask", type: "helper" },
    { id: "stored", type: "helper" },
  ]);
  return {
    model: await helper.getNode("m1").model(),
    score: helper.getNode("s1"),
    collector: helper.getNode("c1"),
    scored: helper.getNode("scored"),
    ask: helper.getNode("ask"),
    stored: helper.getNode("stored"),
  };
}

async function trained(nodes: Awaited<ReturnType<typeof loadScore>>) {
  const received = nextMessage(nodes.stored);
  nodes.collector.receive({ payload: feedbackBatch(120) });
  await received;
  await nodes.model.update("full", "test");
}

describe("pattern-score", () => {
  it("scores named features with {score, label, uncertainty, version}", async () => {
    const nodes = await loadScore();
    await trained(nodes);
    const received = nextMessage(nodes.scored);
    nodes.score.receive({ payload: { patternId: "evening", features: { hour: 19, devices: 2, confidence: 0.5 } } });
    const msg = await received;
    expect(msg.payload).toMatchObject({ patternId: "evening", label: "approve", version: nodes.model.activeVersion });
    expect(msg.payload.score).toBeGreaterThan(0.5);
    expect(msg.payload.uncertainty).toBeCloseTo(1 - Math.abs(2 * msg.payload.score - 1), 10);
  });

  it("scores a batch into an array, in order", async () => {
    const nodes = await loadScore();
    await trained(nodes);
    const received = nextMessage(nodes.scored);
    nodes.score.receive({
      payload: [
        { patternId: "a", features: { hour: 19, devices: 1, confidence: 0.5 } },
        { patternId: "b", features: { hour: 3, devices: 6, confidence: 0.5 } },
      ],
    });
    const msg = await received;
    expect(msg.payload.map((r: { patternId: string; label: string }) => [r.patternId, r.label])).toEqual([
      ["a", "approve"],
      ["b", "reject"],
    ]);
  });

  it("sends an uncertain pattern to the ask output with the pattern itself", async () => {
    const nodes = await loadScore({ threshold: 0.5 });
    const asked = nextMessage(nodes.ask);
    const pattern = { patternId: "new", features: { hour: 12, devices: 3, confidence: 0.5 } };
    nodes.score.receive({ payload: pattern });
    const msg = await asked;
    // Untrained: the prior 0.5, as uncertain as it gets.
    expect(msg.payload).toMatchObject({ patternId: "new", score: 0.5, uncertainty: 1, version: null });
    expect(msg.pattern).toEqual(pattern);
  });

  it("asks about only the uncertain patterns of a batch", async () => {
    const nodes = await loadScore({ threshold: 1 });
    await trained(nodes);
    const batch = [
      { patternId: "evening", features: { hour: 19, devices: 1, confidence: 0.9 } },
      { patternId: "noon", features: { hour: 12, devices: 3, confidence: 0.5 } },
      { patternId: "night", features: { hour: 2, devices: 6, confidence: 0.1 } },
    ];
    const first = nextMessage(nodes.scored);
    nodes.score.receive({ payload: batch });
    const uncertainties: number[] = (await first).payload.map((r: { uncertainty: number }) => r.uncertainty);
    const sorted = [...uncertainties].sort((a, b) => a - b);
    expect(sorted[2]).toBeGreaterThan(sorted[0]);
    // A threshold just below the largest uncertainty: only that pattern is asked about.
    const limit = (sorted[1] + sorted[2]) / 2;
    const expected = batch.filter((_, i) => uncertainties[i] > limit).map((p) => p.patternId);
    const asked = nextMessage(nodes.ask);
    nodes.score.receive({ payload: batch, threshold: limit });
    const msg = await asked;
    expect(msg.payload.map((r: { patternId: string }) => r.patternId)).toEqual(expected);
    expect(msg.pattern.map((p: { patternId: string }) => p.patternId)).toEqual(expected);
  });

  it("does not ask when the uncertainty is at or below the threshold", async () => {
    const nodes = await loadScore({ threshold: 1 });
    let asked = false;
    nodes.ask.on("input", () => (asked = true));
    const received = nextMessage(nodes.scored);
    nodes.score.receive({ payload: { hour: 12, devices: 3, confidence: 0.5 } });
    await received;
    expect(asked).toBe(false);
  });

  it("remembers a scored pattern so feedback by id alone is learned, not parked", async () => {
    const nodes = await loadScore();
    const scored = nextMessage(nodes.scored);
    nodes.score.receive({ payload: { patternId: "remember-me", features: { hour: 20, devices: 1, confidence: 0.9 } } });
    await scored;
    const stored = nextMessage(nodes.stored);
    nodes.collector.receive({ payload: { patternId: "remember-me", label: "approve" } });
    const msg = await stored;
    expect(msg.payload.parked).toEqual([]);
    expect(msg.payload.stored[0].patternId).toBe("remember-me");
  });

  it("scores a pattern object with a model of the standard pattern features", async () => {
    const nodes = await loadScore({ model: { schemaKind: "standard" } });
    const received = nextMessage(nodes.scored);
    nodes.score.receive({
      payload: {
        id: "p-hall",
        pattern_type: "time_of_day",
        confidence: 0.8,
        devices: ["light.hall"],
        areas: ["hall"],
        occurrences: 12,
      },
    });
    const msg = await received;
    expect(msg.payload).toMatchObject({ patternId: "p-hall", score: 0.5 });
  });

  it("answers an empty batch (a detector that found nothing yet) with an empty list of scores", async () => {
    const nodes = await loadScore();
    const received = nextMessage(nodes.scored);
    nodes.score.receive({ payload: [] });
    expect((await received).payload).toEqual([]);
  });

  describe("refuses bad input with an error naming the field", () => {
    const bad: Array<[string, unknown, Record<string, unknown>, RegExp]> = [
      ["unknown feature names", { colour: 1 }, {}, /colour|hour/],
      [
        "a non-finite feature",
        { patternId: "p", features: { hour: Number.NaN, devices: 1, confidence: 0 } },
        {},
        /features\.hour/,
      ],
      ["a pattern id with no features remembered", { patternId: "ghost" }, {}, /features.*ghost/],
      ["a bad item in a batch", [{ hour: 1, devices: 1, confidence: 0 }, "x"], {}, /payload\[1\]/],
      ["a threshold out of range", { hour: 1, devices: 1, confidence: 0 }, { threshold: 3 }, /msg\.threshold/],
    ];
    for (const [what, payload, extra, message] of bad) {
      it(what, async () => {
        const nodes = await loadScore();
        const error = nextError(nodes.score);
        nodes.score.receive({ payload, ...extra });
        expect((await error).message).toMatch(message);
      });
    }
  });

  it("refuses every message when its configured threshold is out of range", async () => {
    const nodes = await loadScore({ threshold: "2" });
    const error = nextError(nodes.score);
    nodes.score.receive({ payload: { hour: 1, devices: 1, confidence: 0 } });
    expect((await error).message).toMatch(/pattern-score\.threshold/);
  });

  it("tells the flow author to choose a model when none is configured", async () => {
    await helper.load(allNodes, [{ id: "s1", type: "pattern-score", wires: [[], []] }]);
    const node = helper.getNode("s1");
    const error = nextError(node);
    node.receive({ payload: { features: {} } });
    expect((await error).message).toMatch(/no pattern model/);
  });
});
