// Which editor form each node's HTML gets. The build (scripts/copy-assets.js) passes every HTML
// file through fillEditorForms on its way to dist/, so the editor's defaults and limits are the
// core's settings specification at build time; the source HTML holds no number of its own.
import { AUTOMATION_CREATE_FORM } from "./automation-create/automation-create";
import { HA_SOURCE_FORM } from "./feedback-collector/ha-rules";
import { INCREMENTAL_UPDATE_FORM } from "./incremental-update/incremental-update";
import { PATTERN_ASK_FORM } from "./pattern-ask/pattern-ask";
import { PATTERN_DETECT_FORM } from "./pattern-detect/pattern-detect";
import { PATTERN_MODEL_FORM } from "./pattern-model/settings";
import { PATTERN_SCORE_FORM } from "./pattern-score/pattern-score";
import { editorFormScript, type FormSpec } from "./shared/form";

/** The form of each node type whose editor HTML has the marker. */
export const EDITOR_FORMS: Readonly<Record<string, FormSpec>> = Object.freeze({
  "pattern-model": PATTERN_MODEL_FORM,
  "feedback-collector": HA_SOURCE_FORM,
  "incremental-update": INCREMENTAL_UPDATE_FORM,
  "pattern-score": PATTERN_SCORE_FORM,
  "pattern-detect": PATTERN_DETECT_FORM,
  "pattern-ask": PATTERN_ASK_FORM,
  "automation-create": AUTOMATION_CREATE_FORM,
});

/** The marker the build replaces: `/* pattern-quality:editor-form <type> *\/ null`, an expression. */
export const EDITOR_FORM_MARKER = /\/\* pattern-quality:editor-form ([a-z-]+) \*\/ null/g;

/**
 * A node's editor HTML with each marker replaced by its form (the browser side of the form with
 * its fields). An unknown type, or a marker left malformed, stops the build.
 */
export function fillEditorForms(html: string, file = "editor HTML"): string {
  const filled = html.replace(EDITOR_FORM_MARKER, (_marker, type: string) => {
    const form = EDITOR_FORMS[type];
    if (!form) throw new Error(`${file}: no editor form for the node type "${type}"`);
    return editorFormScript(form);
  });
  if (filled.includes("pattern-quality:editor-form")) {
    throw new Error(`${file}: an editor-form marker that is not "/* pattern-quality:editor-form <type> */ null"`);
  }
  return filled;
}
