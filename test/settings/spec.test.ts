import { describe, expect, it } from "vitest";
import { defaultHaFeedbackRules } from "../../src/ha/feedback-events";
import { DEFAULT_FOREST_PARAMS, resolveParams } from "../../src/learning/params";
import { DEFAULT_SETTINGS } from "../../src/model/settings";
import {
  checkSetting,
  defaultsOf,
  FOREST_PARAMS_SPEC,
  HA_FEEDBACK_SPEC,
  isSetting,
  PATTERN_MODEL_SPEC,
  resolveSetting,
  SCORE_SPEC,
  type SettingSpec,
  UPDATE_SPEC,
} from "../../src/settings/spec";
import { fieldOf } from "../support/invalid-input";

/** Every setting of a specification with its path, e.g. ["alerts.drift", {...}]. */
function settings(spec: object, prefix = ""): [string, SettingSpec][] {
  return Object.entries(spec).flatMap(([key, value]): [string, SettingSpec][] =>
    isSetting(value) ? [[`${prefix}${key}`, value]] : settings(value as object, `${prefix}${key}.`),
  );
}

const everySetting = [
  ...settings(FOREST_PARAMS_SPEC, "forest."),
  ...settings(PATTERN_MODEL_SPEC, "model."),
  ...settings(HA_FEEDBACK_SPEC, "ha."),
  ...settings(SCORE_SPEC, "score."),
  ...settings(UPDATE_SPEC, "update."),
];

describe("the settings specification", () => {
  it.each(everySetting)("holds a default that passes its own check: %s", (path, spec) => {
    expect(checkSetting(spec, spec.default, path)).toBe(spec.default);
  });

  it("gives the core's defaults: the forest, the pattern model and the Home Assistant rules", () => {
    expect(DEFAULT_FOREST_PARAMS).toEqual(defaultsOf(FOREST_PARAMS_SPEC));
    expect(DEFAULT_SETTINGS.updateThreshold).toBe(PATTERN_MODEL_SPEC.updateThreshold.default);
    expect(DEFAULT_SETTINGS.guardrail).toEqual(defaultsOf(PATTERN_MODEL_SPEC.guardrail));
    expect(DEFAULT_SETTINGS.schema).toEqual({ kind: PATTERN_MODEL_SPEC.schema.default });
    expect(defaultHaFeedbackRules.implicit.days).toBe(HA_FEEDBACK_SPEC.implicit.days.default);
    expect(defaultHaFeedbackRules.helperEntities.entityIds).toEqual([]);
  });

  it("takes undefined or null as the default and checks anything else", () => {
    expect(resolveSetting(PATTERN_MODEL_SPEC.minSamples, undefined, "minSamples")).toBe(10);
    expect(resolveSetting(PATTERN_MODEL_SPEC.autoUpdate, null, "autoUpdate")).toBe(true);
    expect(fieldOf(() => resolveSetting(PATTERN_MODEL_SPEC.minSamples, 0, "settings.minSamples"))).toBe(
      "settings.minSamples",
    );
  });

  it("holds the forest to the ranges the learner enforces", () => {
    expect(resolveParams({ trees: FOREST_PARAMS_SPEC.trees.max }).trees).toBe(10_000);
    expect(fieldOf(() => resolveParams({ trees: (FOREST_PARAMS_SPEC.trees.max as number) + 1 }))).toBe("params.trees");
  });

  it("reads maxFeatures as its word or a count, and refuses other words", () => {
    const spec = FOREST_PARAMS_SPEC.maxFeatures;
    expect(checkSetting(spec, "sqrt", "params.maxFeatures")).toBe("sqrt");
    expect(checkSetting(spec, 7, "params.maxFeatures")).toBe(7);
    expect(() => checkSetting(spec, "log2", "params.maxFeatures")).toThrow(
      /params\.maxFeatures: expected sqrt or a whole number from 1 to 100000, got "log2"/,
    );
  });

  it("checks texts against their length", () => {
    const spec = HA_FEEDBACK_SPEC.customEvent.eventType;
    expect(checkSetting(spec, "my_event", "eventType")).toBe("my_event");
    expect(fieldOf(() => checkSetting(spec, "x".repeat(spec.maxLength + 1), "eventType"))).toBe("eventType");
  });
});
