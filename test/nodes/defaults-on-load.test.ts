// A flow saved before a setting existed (or an example written without it) lacks that setting
// altogether: it must load with the specification's default, in the runtime and in the editor.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { EDITOR_FORMS } from "../../nodes/editor-forms";
import { haRulesFromDefinition } from "../../nodes/feedback-collector/ha-rules";
import { settingsFromDefinition } from "../../nodes/pattern-model/settings";
import { configuredThreshold } from "../../nodes/pattern-score/pattern-score";
import { editorFields, editorForm } from "../../nodes/shared/form";
import { defaultHaFeedbackRules } from "../../src/ha/feedback-events";
import { defaultsOf, FOREST_PARAMS_SPEC, PATTERN_MODEL_SPEC, SCORE_SPEC } from "../../src/settings/spec";
import { allNodes, helper, initNodeRed, nextMessage, statusWith, tempDir } from "./harness";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

/** The example flows' nodes with every setting of their editor form removed, as an old flow has them. */
function examplesWithoutSettings(): Array<Record<string, unknown>> {
  const files = ["learn-and-score.json", "full-loop.json", "phone-answers.json", "dashboard.json"];
  return files.flatMap((file) =>
    (JSON.parse(readFileSync(path.join(root, "examples", file), "utf8")) as Array<Record<string, unknown>>)
      .filter((node) => typeof node.type === "string" && node.type in EDITOR_FORMS)
      .map((node) => {
        const stripped = { ...node };
        for (const key of Object.keys(EDITOR_FORMS[node.type as string]!)) delete stripped[key];
        return stripped;
      }),
  );
}

describe("a node configuration without its settings", () => {
  it("gives the pattern model every default of the specification", () => {
    const settings = settingsFromDefinition({ id: "m", type: "pattern-model" }, "/u");
    const forest = defaultsOf(FOREST_PARAMS_SPEC);
    expect(settings).toMatchObject({
      ...defaultsOf(PATTERN_MODEL_SPEC),
      schema: { kind: "standard" },
      forest: { trees: forest.trees, maxDepth: forest.maxDepth, incrementalTrees: forest.incrementalTrees },
    });
  });

  it("gives the feedback collector the default Home Assistant rules, implicit days included", () => {
    expect(haRulesFromDefinition({ id: "c", type: "feedback-collector" })).toEqual(defaultHaFeedbackRules);
    expect(haRulesFromDefinition({ id: "c", type: "feedback-collector", implicitDays: "" }).implicit.days).toBe(7);
  });

  it("gives pattern-score the default ask threshold", () => {
    expect(configuredThreshold(undefined)).toBe(SCORE_SPEC.askThreshold.default);
  });

  it("keeps every example node valid in the editor", () => {
    const nodes = examplesWithoutSettings();
    expect(nodes.map((node) => node.type)).toEqual(expect.arrayContaining(["pattern-model", "feedback-collector"]));
    for (const node of nodes) {
      const defaults = editorForm(editorFields(EDITOR_FORMS[node.type as string]!)).defaults({});
      for (const [key, entry] of Object.entries(defaults)) {
        expect(entry.validate!.call(node, node[key], {}), `${node.type}.${key}`).toBe(true);
      }
    }
  });

  it("opens the model and stores feedback in Node-RED", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, [
      { id: "m1", type: "pattern-model", storeDir: dir },
      { id: "c1", type: "feedback-collector", model: "m1", wires: [["out"]] },
      { id: "out", type: "helper" },
    ]);
    const collector = helper.getNode("c1");
    const ready = statusWith(collector, (s) => s.fill === "green");
    const model = await helper.getNode("m1").model();
    await ready;
    const received = nextMessage(helper.getNode("out"));
    collector.receive({ payload: { patternId: "p1", label: "approve", pattern: { pattern_type: "anomaly" } } });
    expect((await received).payload.stored).toHaveLength(1);
    expect(model.metrics().feedbackCount).toBe(1);
  });
});
