import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, resolveSettings } from "../../src/model/settings";
import { fieldOf } from "../support/invalid-input";

describe("pattern model settings", () => {
  it("fill every default when only the store directory is given", () => {
    expect(resolveSettings({ storeDir: "store" })).toEqual({ storeDir: "store", ...DEFAULT_SETTINGS });
  });

  it("keep the values a flow author sets", () => {
    const settings = resolveSettings({
      storeDir: "s",
      schema: { kind: "names", names: ["a", "b"] },
      forest: { trees: 20 },
      updateThreshold: 5,
      minSamples: 3,
      autoUpdate: false,
      alerts: { updateBudgetMs: 50, accuracyDropPoints: 10, drift: false },
      retention: { versions: 3, feedback: 1000 },
      guardrail: { maxDropPoints: 0, samples: 20, holdUntil: "resume" },
    });
    expect(settings.schema).toEqual({ kind: "names", names: ["a", "b"] });
    expect(settings.forest).toEqual({ trees: 20 });
    expect([settings.updateThreshold, settings.minSamples, settings.autoUpdate]).toEqual([5, 3, false]);
    expect(settings.alerts).toEqual({ updateBudgetMs: 50, accuracyDropPoints: 10, drift: false });
    expect(settings.retention).toEqual({ versions: 3, feedback: 1000 });
    expect(settings.guardrail).toEqual({
      maxDropPoints: 0,
      samples: 20,
      maxSamples: 300,
      confirmChange: 130,
      holdUntil: "resume",
    });
  });

  it("refuse a trial limit below the feedback a trial needs, by name", () => {
    expect(() => resolveSettings({ storeDir: "d", guardrail: { samples: 80, maxSamples: 60 } })).toThrow(
      expect.objectContaining({ field: "settings.guardrail.maxSamples" }),
    );
    expect(() => resolveSettings({ storeDir: "d", guardrail: { confirmChange: 5 } })).toThrow(
      expect.objectContaining({ field: "settings.guardrail.confirmChange" }),
    );
  });

  it("accept the standard and inferred schemas", () => {
    expect(resolveSettings({ storeDir: "s", schema: { kind: "standard" } }).schema).toEqual({ kind: "standard" });
    expect(resolveSettings({ storeDir: "s", schema: { kind: "infer" } }).schema).toEqual({ kind: "infer" });
  });

  it("refuse settings that are not an object", () => {
    expect(fieldOf(() => resolveSettings("store"))).toBe("settings");
  });

  it("refuse a missing or blank store directory", () => {
    expect(fieldOf(() => resolveSettings({}))).toBe("settings.storeDir");
    expect(fieldOf(() => resolveSettings({ storeDir: "  " }))).toBe("settings.storeDir");
  });

  it("name the schema setting at fault", () => {
    expect(fieldOf(() => resolveSettings({ storeDir: "s", schema: { kind: "guess" } }))).toBe("settings.schema.kind");
    expect(fieldOf(() => resolveSettings({ storeDir: "s", schema: { kind: "names", names: ["a", "a"] } }))).toBe(
      "settings.schema.names[1]",
    );
    expect(fieldOf(() => resolveSettings({ storeDir: "s", schema: [] }))).toBe("settings.schema");
  });

  it("name the numeric setting at fault", () => {
    expect(fieldOf(() => resolveSettings({ storeDir: "s", updateThreshold: 0 }))).toBe("settings.updateThreshold");
    expect(fieldOf(() => resolveSettings({ storeDir: "s", minSamples: 2.5 }))).toBe("settings.minSamples");
    expect(fieldOf(() => resolveSettings({ storeDir: "s", alerts: { updateBudgetMs: -1 } }))).toBe(
      "settings.alerts.updateBudgetMs",
    );
    expect(fieldOf(() => resolveSettings({ storeDir: "s", alerts: { accuracyDropPoints: 101 } }))).toBe(
      "settings.alerts.accuracyDropPoints",
    );
    expect(fieldOf(() => resolveSettings({ storeDir: "s", guardrail: { maxDropPoints: Number.NaN } }))).toBe(
      "settings.guardrail.maxDropPoints",
    );
    expect(fieldOf(() => resolveSettings({ storeDir: "s", retention: { versions: "20" } }))).toBe(
      "settings.retention.versions",
    );
  });

  it("name the boolean or section setting at fault", () => {
    expect(fieldOf(() => resolveSettings({ storeDir: "s", autoUpdate: "yes" }))).toBe("settings.autoUpdate");
    expect(fieldOf(() => resolveSettings({ storeDir: "s", alerts: { drift: 1 } }))).toBe("settings.alerts.drift");
    expect(fieldOf(() => resolveSettings({ storeDir: "s", guardrail: 2 }))).toBe("settings.guardrail");
    expect(fieldOf(() => resolveSettings({ storeDir: "s", forest: "big" }))).toBe("settings.forest");
  });
});
