import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Label } from "../../src/feedback/feedback";
import { PatternModel, type PatternModelSettings } from "../../src/model/pattern-model";
import { fieldOf } from "../support/invalid-input";

const FOREST = { trees: 12, maxDepth: 5, seed: 3, incrementalTrees: 4, bins: 32 };
const opened: { model: PatternModel; dir: string }[] = [];

async function open(
  schema: PatternModelSettings["schema"] = { kind: "names", names: ["a", "b", "c"] },
): Promise<PatternModel> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "score-reasons-"));
  const model = await PatternModel.open({ storeDir: dir, schema, forest: FOREST, autoUpdate: false, minSamples: 10 });
  opened.push({ model, dir });
  return model;
}

afterEach(async () => {
  for (const { model, dir } of opened.splice(0)) {
    await model.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/** The household approves when a + b > 1; c is noise. */
function feedback(count: number) {
  let state = 11;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: count }, (_, i) => {
    const features = { a: next(), b: next(), c: next() };
    return { id: `f${i}`, patternId: `p${i}`, label: (features.a + features.b > 1 ? 1 : 0) as Label, features };
  });
}

async function trained(): Promise<PatternModel> {
  const model = await open();
  await model.addFeedback(feedback(200));
  await model.update("full", "test");
  return model;
}

describe("scoring with reasons", () => {
  it("gives the same score as without, and the reasons, base and rest add up to it", async () => {
    const model = await trained();
    for (const features of [
      { a: 0.9, b: 0.8, c: 0.1 },
      { a: 0.1, b: 0.2, c: 0.9 },
      { a: 0.5, b: 0.5, c: 0.5 },
    ]) {
      const plain = model.score(features);
      const explained = model.score(features, "payload", { reasons: 3 });
      expect(explained.score).toBe(plain.score);
      const { reasons = [], baseScore = Number.NaN, otherContribution = Number.NaN } = explained;
      const total = baseScore + reasons.reduce((sum, r) => sum + r.contribution, 0) + otherContribution;
      expect(Math.abs(total - explained.score)).toBeLessThan(1e-12);
    }
  });

  it("names the features that matter most first: the household's rule, not the noise", async () => {
    const model = await trained();
    const { reasons = [] } = model.score({ a: 0.95, b: 0.9, c: 0.5 }, "payload", { reasons: true });
    expect(
      reasons
        .map((r) => r.feature)
        .slice(0, 2)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(reasons[0]!.contribution).toBeGreaterThan(0);
    expect(reasons[0]).toMatchObject({ label: `${reasons[0]!.feature} = ${reasons[0]!.value}` });
  });

  it("lists at most the count asked for, the rest in otherContribution", async () => {
    const model = await trained();
    const one = model.score({ a: 0.2, b: 0.1, c: 0.5 }, "payload", { reasons: 1 });
    const all = model.score({ a: 0.2, b: 0.1, c: 0.5 }, "payload", { reasons: 3 });
    expect(one.reasons).toHaveLength(1);
    expect(one.reasons![0]).toEqual(all.reasons![0]);
    const rest = all.reasons!.slice(1).reduce((sum, r) => sum + r.contribution, 0) + all.otherContribution!;
    expect(one.otherContribution).toBeCloseTo(rest, 12);
  });

  it("gives no reason fields unless asked, or with reasons 0 or false", async () => {
    const model = await trained();
    for (const options of [{}, { reasons: 0 }, { reasons: false }]) {
      expect(Object.keys(model.score({ a: 1, b: 1, c: 1 }, "payload", options)).sort()).toEqual([
        "label",
        "score",
        "uncertainty",
        "version",
      ]);
    }
  });

  it("says why in words for the standard pattern features", async () => {
    const model = await open({ kind: "standard" });
    const now = Date.now();
    const pattern = (devices: number, daysAgo: number) => ({
      pattern_type: "co_occurrence",
      confidence: 0.7,
      devices: Array.from({ length: devices }, (_, k) => `switch.s${k}`),
      first_seen: new Date(now - 40 * 86_400_000).toISOString(),
      last_seen: new Date(now - daysAgo * 86_400_000).toISOString(),
    });
    // The household keeps patterns seen lately and rejects stale ones.
    await model.addFeedback(
      Array.from({ length: 60 }, (_, i) => ({
        patternId: `h${i}`,
        label: i % 10 < 5 ? 1 : 0,
        pattern: pattern(2, i % 10),
      })),
    );
    await model.update("full", "test");
    const { reasons = [] } = model.score(pattern(2, 2), "payload", { reasons: 3 });
    expect(reasons[0]).toMatchObject({ feature: "recency_days", label: "seen 2 days ago" });
    expect(reasons[0]!.contribution).toBeGreaterThan(0);
  });

  it("is the prior with no reasons while the model is untrained", async () => {
    const model = await open();
    expect(model.score({ a: 1, b: 1, c: 1 }, "payload", { reasons: true })).toEqual({
      score: 0.5,
      label: "approve",
      uncertainty: 1,
      version: null,
      reasons: [],
      baseScore: 0.5,
      otherContribution: 0,
    });
  });

  it("refuses a bad reasons option before anything is remembered, naming it", async () => {
    const model = await trained();
    for (const reasons of [-1, 2.5, "3", 101, null]) {
      const input = { patternId: "fresh", features: { a: 1, b: 1, c: 1 } };
      expect(fieldOf(() => model.score(input, "payload", { reasons } as never))).toBe("options.reasons");
      expect(fieldOf(() => model.scoreMany([input], { reasons } as never))).toBe("options.reasons");
    }
    await model.rememberPatterns([{ patternId: "fresh" }]);
    expect(fieldOf(() => model.score({ patternId: "fresh" }))).toBe("payload.features");
  });

  it("gives each pattern of a batch its own reasons", async () => {
    const model = await trained();
    const [high, low] = model.scoreMany(
      [
        { a: 0.95, b: 0.9, c: 0.5 },
        { a: 0.05, b: 0.1, c: 0.5 },
      ],
      { reasons: 2 },
    );
    expect(high!.reasons![0]!.contribution).toBeGreaterThan(0);
    expect(low!.reasons![0]!.contribution).toBeLessThan(0);
  });
});
