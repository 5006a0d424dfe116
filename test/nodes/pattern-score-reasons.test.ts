import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SCORE_SPEC } from "../../src/settings/spec";
import { allNodes, feedbackBatch, helper, initNodeRed, modelConfig, nextError, nextMessage, tempDir } from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

interface Reason {
  feature: string;
  value: number;
  contribution: number;
  label: string;
}

async function loadScore(score: Record<string, unknown> = {}, model: Record<string, unknown> = {}) {
  const dir = await tempDir();
  await helper.load(allNodes, [
    modelConfig("m1", dir, model),
    { id: "s1", type: "pattern-score", model: "m1", threshold: 1, wires: [["scored"], []], ...score },
    { id: "scored", type: "helper" },
  ]);
  const nodes = {
    model: await helper.getNode("m1").model(),
    score: helper.getNode("s1"),
    scored: helper.getNode("scored"),
  };
  return nodes;
}

async function scoreOne(nodes: Awaited<ReturnType<typeof loadScore>>, payload: unknown) {
  const received = nextMessage(nodes.scored);
  nodes.score.receive({ payload });
  return (await received).payload;
}

describe("pattern-score's reasons", () => {
  it("gives the top 3 reasons by default, and they add up to the score", async () => {
    const nodes = await loadScore({}, { featureNames: "hour, devices, confidence, occurrences" });
    await nodes.model.addFeedback(
      feedbackBatch(120).map((f: { features: Record<string, number> }, i: number) => ({
        ...f,
        features: { ...f.features, occurrences: i % 7 },
      })),
    );
    await nodes.model.update("full", "test");
    const result = await scoreOne(nodes, {
      patternId: "evening",
      features: { hour: 19, devices: 2, confidence: 0.5, occurrences: 3 },
    });
    expect(SCORE_SPEC.reasons.default).toBe(3);
    expect(result.reasons.length).toBeLessThanOrEqual(3);
    expect(result.reasons.length).toBeGreaterThan(0);
    const reasons = result.reasons as Reason[];
    const sizes = reasons.map((r) => Math.abs(r.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(reasons.find((r) => r.feature === "hour")).toMatchObject({ value: 19, label: "hour = 19" });
    const total = result.baseScore + reasons.reduce((sum, r) => sum + r.contribution, 0) + result.otherContribution;
    expect(total).toBeCloseTo(result.score, 12);
    // The score is the one the node gives without reasons.
    expect(result.score).toBe(nodes.model.score({ hour: 19, devices: 2, confidence: 0.5, occurrences: 3 }).score);
  });

  it("says a standard pattern's reasons in words, for each pattern of a batch", async () => {
    const nodes = await loadScore({}, { schemaKind: "standard" });
    const now = Date.now();
    const pattern = (id: string, devices: number, daysAgo: number, approve: boolean) => ({
      patternId: id,
      label: approve ? "approve" : "reject",
      pattern: {
        pattern_type: "time_of_day",
        confidence: approve ? 0.9 : 0.3,
        devices: Array.from({ length: devices }, (_, k) => `light.l${k}`),
        occurrences: 10,
        first_seen: new Date(now - 30 * 86_400_000).toISOString(),
        last_seen: new Date(now - daysAgo * 86_400_000).toISOString(),
      },
    });
    const history = Array.from({ length: 80 }, (_, i) => pattern(`h${i}`, 1 + (i % 6), i % 9, i % 6 < 3));
    await nodes.model.addFeedback(history);
    await nodes.model.update("full", "test");
    const results = await scoreOne(nodes, [
      { ...pattern("few", 2, 1, true).pattern, id: "few" },
      { ...pattern("many", 6, 8, false).pattern, id: "many" },
    ]);
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.reasons.length).toBeGreaterThan(0);
      for (const reason of result.reasons as Reason[]) expect(reason.label).not.toMatch(/ = /);
    }
    const labels = (results as { reasons: Reason[] }[]).flatMap((r) => r.reasons.map((reason) => reason.label));
    expect(labels.some((label) => /^(\d+ devices?|seen \d+ days? ago|confidence \d+ %)$/.test(label))).toBe(true);
  });

  it("gives no reasons when the node's Reasons is 0", async () => {
    const nodes = await loadScore({ reasons: 0 });
    const result = await scoreOne(nodes, { hour: 12, devices: 3, confidence: 0.5 });
    expect(result).toEqual({ score: 0.5, label: "approve", uncertainty: 1, version: null });
  });

  it("gives an untrained model's score as its base, with no reasons", async () => {
    const nodes = await loadScore({ reasons: "2" });
    const result = await scoreOne(nodes, { hour: 12, devices: 3, confidence: 0.5 });
    expect(result).toMatchObject({ score: 0.5, reasons: [], baseScore: 0.5, otherContribution: 0 });
  });

  it("refuses every message when its configured Reasons is out of range, naming the setting", async () => {
    const nodes = await loadScore({ reasons: "-1" });
    const error = nextError(nodes.score);
    nodes.score.receive({ payload: { hour: 1, devices: 1, confidence: 0 } });
    expect((await error).message).toMatch(/pattern-score\.reasons/);
  });
});
