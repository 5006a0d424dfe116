import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultStoreDir, parseFeatureNames, settingsFromDefinition } from "../../nodes/pattern-model/settings";
import { fieldOf } from "../support/invalid-input";

const base = { id: "abc.123", type: "pattern-model" };

describe("pattern-model configuration form", () => {
  it("keeps the store under the user directory by node id when none is given", () => {
    expect(settingsFromDefinition({ ...base }, "/home/nr/.node-red").storeDir).toBe(
      path.join("/home/nr/.node-red", "pattern-quality", "abc.123"),
    );
    expect(defaultStoreDir(undefined, "a/b")).toBe(path.join(process.cwd(), ".node-red", "pattern-quality", "a_b"));
  });

  it("resolves a relative store directory against the user directory", () => {
    expect(settingsFromDefinition({ ...base, storeDir: "models/home" }, "/srv/nr").storeDir).toBe(
      path.resolve("/srv/nr", "models/home"),
    );
  });

  it("fills the documented defaults", () => {
    const settings = settingsFromDefinition({ ...base }, "/u");
    expect(settings).toMatchObject({
      schema: { kind: "standard" },
      forest: { trees: 100, maxDepth: 10, incrementalTrees: 10 },
      updateThreshold: 100,
      minSamples: 10,
      autoUpdate: true,
      alerts: { updateBudgetMs: 1000, accuracyDropPoints: 5, drift: true },
      retention: { versions: 20, feedback: 100000 },
      guardrail: { maxDropPoints: 5, samples: 50, maxSamples: 300, confirmChange: 130, holdUntil: "better" },
    });
    expect(settings.forest).not.toHaveProperty("seed");
  });

  it("reads numbers the editor saved as text", () => {
    const settings = settingsFromDefinition(
      { ...base, trees: "20", updateThreshold: "50", seed: "7", autoUpdate: false, driftAlerts: false },
      "/u",
    );
    expect(settings.forest).toMatchObject({ trees: 20, seed: 7 });
    expect(settings.updateThreshold).toBe(50);
    expect(settings.autoUpdate).toBe(false);
    expect(settings.alerts?.drift).toBe(false);
  });

  it("reads a named feature list separated by commas, spaces or lines", () => {
    expect(parseFeatureNames("hour, devices\nconfidence;;")).toEqual(["hour", "devices", "confidence"]);
    expect(parseFeatureNames(undefined)).toEqual([]);
    expect(settingsFromDefinition({ ...base, schemaKind: "names", featureNames: "a b" }, "/u").schema).toEqual({
      kind: "names",
      names: ["a", "b"],
    });
    expect(settingsFromDefinition({ ...base, schemaKind: "infer" }, "/u").schema).toEqual({ kind: "infer" });
  });

  it("refuses a named schema without names, or with a name twice", () => {
    expect(fieldOf(() => settingsFromDefinition({ ...base, schemaKind: "names", featureNames: " " }, "/u"))).toBe(
      "pattern-model.featureNames",
    );
    expect(fieldOf(() => settingsFromDefinition({ ...base, schemaKind: "names", featureNames: "a,a" }, "/u"))).toBe(
      "pattern-model.featureNames",
    );
  });

  it("refuses an unknown schema kind", () => {
    expect(fieldOf(() => settingsFromDefinition({ ...base, schemaKind: "magic" }, "/u"))).toBe(
      "pattern-model.schemaKind",
    );
  });

  it("refuses numbers out of range or not whole, naming the form field", () => {
    expect(fieldOf(() => settingsFromDefinition({ ...base, trees: 0 }, "/u"))).toBe("pattern-model.trees");
    expect(fieldOf(() => settingsFromDefinition({ ...base, maxDepth: "3.5" }, "/u"))).toBe("pattern-model.maxDepth");
    expect(fieldOf(() => settingsFromDefinition({ ...base, accuracyDropPoints: 101 }, "/u"))).toBe(
      "pattern-model.accuracyDropPoints",
    );
    expect(fieldOf(() => settingsFromDefinition({ ...base, updateThreshold: "many" }, "/u"))).toBe(
      "pattern-model.updateThreshold",
    );
    expect(fieldOf(() => settingsFromDefinition({ ...base, updateBudgetMs: true as unknown as number }, "/u"))).toBe(
      "pattern-model.updateBudgetMs",
    );
  });

  it("refuses replacing more trees per update than the forest has", () => {
    expect(fieldOf(() => settingsFromDefinition({ ...base, trees: 5, incrementalTrees: 10 }, "/u"))).toBe(
      "pattern-model.incrementalTrees",
    );
  });
});
