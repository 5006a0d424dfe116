import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as core from "../src/index";
import { PatternModel } from "../src/model/pattern-model";
import * as testing from "../src/testing";
import { HomeAssistantSimulator } from "../src/testing/ha-simulator/simulator";
import { SimulatedHousehold } from "../src/testing/simulation/household";

const root = path.resolve(__dirname, "..");

/** Runs a script in a fresh Node process at the package root and parses what it prints as JSON. */
function runAtRoot(script: string): unknown {
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" }));
}

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
    expect(runAtRoot(script)).toEqual([]);
  });

  it("ships no test tooling: the main loads neither the simulator nor the synthetic streams", () => {
    // The old locations too, in case a stale build still has them and something still points there.
    const script =
      "require('./');" +
      "const loaded = Object.keys(require.cache).filter((f) =>" +
      " /[\\\\/]dist[\\\\/]src[\\\\/](testing|simulation|ha[\\\\/]simulator)[\\\\/]/.test(f));" +
      "process.stdout.write(JSON.stringify(loaded));";
    expect(runAtRoot(script)).toEqual([]);
    expect(Object.keys(core)).not.toContain("HomeAssistantSimulator");
  });
});

describe("the ./testing entry", () => {
  it("exposes the Home Assistant simulator, the synthetic streams and the simulated household", () => {
    expect(testing.HomeAssistantSimulator).toBe(HomeAssistantSimulator);
    expect(testing.SimulatedHousehold).toBe(SimulatedHousehold);
    for (const name of ["householdStream", "seaStream", "SeededRandom"]) {
      expect(typeof (testing as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(testing.SUBSCRIBE_ALLOWLIST.has("state_changed")).toBe(true);
  });

  it("resolves by the package's name through its exports map, beside the main and package.json", () => {
    const script =
      "const name = require('./package.json').name;" +
      "const testing = require(name + '/testing');" +
      "process.stdout.write(JSON.stringify({" +
      " testing: ['HomeAssistantSimulator', 'SimulatedHousehold', 'householdStream', 'seaStream', 'SeededRandom']" +
      "   .filter((n) => typeof testing[n] === 'function')," +
      " main: require(name) === require('./')," +
      " manifest: require.resolve(name + '/package.json') === require.resolve('./package.json') }));";
    expect(runAtRoot(script)).toEqual({
      testing: ["HomeAssistantSimulator", "SimulatedHousehold", "householdStream", "seaStream", "SeededRandom"],
      main: true,
      manifest: true,
    });
  });
});
