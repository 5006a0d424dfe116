import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as core from "../src/index";
import { PatternModel } from "../src/model/pattern-model";

const root = path.resolve(__dirname, "..");

describe("the package entry", () => {
  it("exposes the core classes a plain Node script needs", () => {
    expect(core.PatternModel).toBe(PatternModel);
    for (const name of [
      "PatternLearner",
      "FeatureSchema",
      "FeedbackLog",
      "VersionRegistry",
      "Trainer",
      "HomeAssistantConnection",
    ]) {
      expect(typeof (core as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("loads from the build without loading Node-RED", () => {
    // The core must stay usable outside Node-RED: requiring the package's main loads no part of it.
    const script =
      "require('./');" +
      "const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](node-red|@node-red)[\\\\/]/.test(f));" +
      "process.stdout.write(JSON.stringify(loaded));";
    const loaded = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" }));
    expect(loaded).toEqual([]);
  });
});
