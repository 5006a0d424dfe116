// The editor forms as the browser gets them: the build writes each form's defaults and limits
// from the settings specification into the node's HTML; these tests run that HTML's script
// against a stand-in for Node-RED's editor API and check it against the specification.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { describe, expect, it } from "vitest";
import { EDITOR_FORMS, fillEditorForms } from "../../nodes/editor-forms";
import { type EditorDefault, editorFields, editorForm, editorFormScript } from "../../nodes/shared/form";
import { FOREST_PARAMS_SPEC, HA_FEEDBACK_SPEC, PATTERN_MODEL_SPEC, SCORE_SPEC } from "../../src/settings/spec";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const htmlOf = (type: string) => readFileSync(path.join(root, "nodes", type, `${type}.html`), "utf8");

interface Registered {
  type: string;
  definition: { category: string; defaults: Record<string, EditorDefault>; oneditprepare?: () => void };
}

/** Runs the first script of an editor HTML (after the build's filling) and returns what it registered. */
function register(html: string): Registered {
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1];
  let registered: Registered | undefined;
  const RED = {
    nodes: {
      registerType: (type: string, definition: Registered["definition"]) => (registered = { type, definition }),
    },
    validators: { regex: (re: RegExp) => (v: string) => re.test(v) },
  };
  vm.runInNewContext(script ?? "", { RED, $: () => ({ val: () => undefined }) });
  if (!registered) throw new Error("the script registered no node type");
  return registered;
}

/** A stand-in for jQuery that records what `prepare` sets on each selector. */
function recordingInputs() {
  const set: Record<string, Record<string, unknown>> = {};
  const $ = (selector: string) => {
    set[selector] = set[selector] ?? {};
    const record = set[selector];
    const keep = (name: string, value: unknown) => {
      record[name] = value;
    };
    return {
      attr: keep,
      prop: keep,
      val: (value: unknown) => keep("value", value),
      text: (value: string) => keep("text", value),
      toggle: (on: boolean) => keep("shown", on),
      on: () => undefined,
    };
  };
  return { $, set };
}

describe("editor forms", () => {
  const types = Object.keys(EDITOR_FORMS);

  it.each(types)("%s: every default has a value and the form's fields are all there", (type) => {
    const { definition } = register(fillEditorForms(htmlOf(type)));
    for (const [key, entry] of Object.entries(definition.defaults)) {
      expect(entry, key).toHaveProperty("value");
      if (entry.validate !== undefined) expect(typeof entry.validate, key).toBe("function");
    }
    expect(Object.keys(definition.defaults)).toEqual(expect.arrayContaining(Object.keys(EDITOR_FORMS[type]!)));
  });

  it.each(types)("%s: a setting missing from a saved flow, or left blank, is valid", (type) => {
    const { definition } = register(fillEditorForms(htmlOf(type)));
    for (const key of Object.keys(EDITOR_FORMS[type]!)) {
      const validate = definition.defaults[key]!.validate!;
      expect(validate.call({}, undefined, {}), key).toBe(true);
      expect(validate.call({}, "", {}), key).toBe(true);
    }
  });

  it("takes the pattern model's defaults and limits from the specification", () => {
    const { definition } = register(fillEditorForms(htmlOf("pattern-model")));
    const { trees } = definition.defaults;
    expect(trees!.value).toBe(FOREST_PARAMS_SPEC.trees.default);
    expect(trees!.validate!.call({}, FOREST_PARAMS_SPEC.trees.max, {})).toBe(true);
    expect(trees!.validate!.call({}, (FOREST_PARAMS_SPEC.trees.max as number) + 1, {})).toBe(
      "expected a whole number ≥ 1 and ≤ 10000",
    );
    expect(trees!.validate!.call({}, "2.5", {})).not.toBe(true);
    expect(definition.defaults.updateBudgetMs!.validate!.call({}, 0, {})).toBe(true);
    expect(definition.defaults.keepFeedback!.value).toBe(PATTERN_MODEL_SPEC.retention.feedback.default);
    expect(definition.defaults.seed!.value).toBe("");
    expect(definition.defaults.schemaKind!.validate!.call({}, "guess", {})).not.toBe(true);
  });

  it("keeps a node's own check beside the specification's", () => {
    const { definition } = register(fillEditorForms(htmlOf("feedback-collector")));
    const { entityTemplate, implicitDays, approvePrefix } = definition.defaults;
    expect(approvePrefix!.value).toBe(HA_FEEDBACK_SPEC.notificationAction.approvePrefix.default);
    expect(entityTemplate!.validate!.call({}, "automation.no_placeholder", {})).toBe(false);
    expect(entityTemplate!.validate!.call({}, "automation.x_{id}", {})).toBe(true);
    expect(implicitDays!.validate!.call({}, "0", {})).not.toBe(true);
    expect(implicitDays!.validate!.call({}, "0.5", {})).toBe(true);
  });

  it("gives pattern-score its threshold from the specification", () => {
    const { definition } = register(fillEditorForms(htmlOf("pattern-score")));
    expect(definition.defaults.threshold!.value).toBe(SCORE_SPEC.askThreshold.default);
    expect(definition.defaults.threshold!.validate!.call({}, 1.5, {})).toBe("expected a number ≥ 0 and ≤ 1");
  });

  it("puts the limits and units on the inputs, and shows the default of a setting the node lacks", () => {
    const form = editorForm(editorFields(EDITOR_FORMS["pattern-model"]!));
    const { $, set } = recordingInputs();
    form.prepare({ trees: 20 }, "node-config-input-", $);
    expect(set["#node-config-input-trees"]).toEqual({ min: 1, max: 10_000 });
    expect(set["#node-config-input-maxDepth"]).toMatchObject({ min: 0, max: 64, value: 10 });
    expect(set["#node-config-input-autoUpdate"]).toMatchObject({ checked: true });
    expect(set["#node-config-input-seed"]).toEqual({ min: 0, max: 4_294_967_295 });
    expect(set['[data-unit-for="updateBudgetMs"]']).toEqual({ text: "ms" });
  });

  it("checks flags, choices and texts of a form", () => {
    const form = editorForm(editorFields(EDITOR_FORMS["feedback-collector"]!));
    const defaults = form.defaults({});
    expect(defaults.implicit!.validate!.call({}, "yes", {})).toBe("expected true or false");
    expect(defaults.customEventType!.validate!.call({}, "x".repeat(257), {})).toBe("at most 256 characters");
    const update = editorForm(editorFields(EDITOR_FORMS["incremental-update"]!)).defaults({});
    expect(update.mode!.validate!.call({}, "partial", {})).toBe("expected one of incremental, full");
    expect(update.mode!.validate!.call({}, "full", {})).toBe(true);
  });

  it("stops the build on a marker it cannot fill", () => {
    expect(() => fillEditorForms("var form = /* pattern-quality:editor-form nothing */ null;", "x.html")).toThrow(
      /x\.html: no editor form for the node type "nothing"/,
    );
    expect(() => fillEditorForms("var form = /* pattern-quality:editor-form */ null;")).toThrow(/marker/);
    expect(fillEditorForms("<p>no form</p>")).toBe("<p>no form</p>");
  });

  it("refuses a setting the editor cannot show yet", () => {
    expect(() => editorFormScript({ maxFeatures: { setting: FOREST_PARAMS_SPEC.maxFeatures } })).toThrow(/maxFeatures/);
  });

  it.skipIf(!existsSync(path.join(root, "dist", "nodes", "pattern-model", "pattern-model.html")))(
    "are what the build put in dist/ (run `npm run build` after changing a setting)",
    () => {
      for (const type of types) {
        const built = readFileSync(path.join(root, "dist", "nodes", type, `${type}.html`), "utf8");
        // The browser side is compiled differently here and by tsc: compare around it, and its fields.
        const [before, after] = htmlOf(type).split(`/* pattern-quality:editor-form ${type} */ null`);
        expect(built.startsWith(before!), type).toBe(true);
        expect(built.endsWith(after!), type).toBe(true);
        expect(built, type).toContain(`)(${JSON.stringify(editorFields(EDITOR_FORMS[type]!))})`);
      }
    },
  );
});
