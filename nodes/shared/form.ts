// A node's editor form, field by field, tied to the core's settings specification: the runtime
// adapters read the saved form with it, and the build writes the editor's defaults and limits
// from it (nodes/editor-forms.ts), so the form, the adapter and the core share every number.
import { checkSetting, type SettingSpec } from "../../src/settings/spec";
import { trimmedText } from "../../src/validate";

/** One field of a node's form: the setting it edits. */
export interface FormField {
  readonly setting: SettingSpec;
  /** A new node starts with it blank, so the core's own default applies unwritten (the forest's seed). */
  readonly blank?: boolean;
}

/** A node's form: its field names as the editor saves them, each with its setting. */
export type FormSpec = Readonly<Record<string, FormField>>;

/**
 * A saved form field as the core takes it. Blank (missing in an older flow, or left empty) is
 * undefined, so the default applies; numbers the editor saved as text are read as numbers;
 * anything else is checked against the setting (InvalidInputError naming `field`).
 */
export function formValue<T extends SettingSpec>(raw: unknown, setting: T, field: string): T["default"] | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  switch (setting.kind) {
    case "flag":
      // Checkboxes save booleans; anything else is what an older flow left: the default.
      return typeof raw === "boolean" ? raw : undefined;
    case "text":
      if (typeof raw !== "string") return checkSetting(setting, raw, field);
      return trimmedText(raw) === undefined ? undefined : checkSetting(setting, raw.trim(), field);
    case "number":
    case "count-or-word": {
      const text = typeof raw === "string" ? raw.trim() : raw;
      if (text === "") return undefined;
      const value = typeof text === "string" && Number.isFinite(Number(text)) ? Number(text) : text;
      return checkSetting(setting, value, field);
    }
    default:
      return checkSetting(setting, raw, field);
  }
}

/** What the editor needs to know of one field, as JSON. */
export interface EditorField {
  kind: "number" | "flag" | "choice" | "text";
  /** The value of a new node. */
  value: number | boolean | string;
  blank?: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  above?: number;
  values?: readonly string[];
  maxLength?: number;
  unit?: string;
}

/** The editor's view of a form: initial values and limits, straight from the settings. */
export function editorFields(form: FormSpec): Record<string, EditorField> {
  const fields: Record<string, EditorField> = {};
  for (const [key, { setting, blank }] of Object.entries(form)) {
    if (setting.kind === "count-or-word") throw new Error(`${key}: a count-or-word setting has no editor field yet`);
    const field: EditorField = { kind: setting.kind, value: blank ? "" : setting.default };
    if (blank) field.blank = true;
    if (setting.kind === "number") {
      field.integer = setting.integer;
      if (setting.min !== undefined) field.min = setting.min;
      if (setting.max !== undefined) field.max = setting.max;
      if (setting.above !== undefined) field.above = setting.above;
      if (setting.unit !== "") field.unit = setting.unit;
    }
    if (setting.kind === "choice") field.values = setting.values;
    if (setting.kind === "text") field.maxLength = setting.maxLength;
    fields[key] = field;
  }
  return fields;
}

/** A Node-RED `defaults` entry. */
export interface EditorDefault {
  value: unknown;
  validate?: (this: unknown, value: unknown, options?: unknown) => boolean | string;
  [option: string]: unknown;
}

/** The little of jQuery that `prepare` and `showWithConnection` use. */
export type EditorInputs = (selector: string) => {
  attr(name: string, value: number): unknown;
  prop(name: string, value: unknown): unknown;
  val(value?: unknown): unknown;
  text(value: string): unknown;
  toggle(on: boolean): unknown;
  on(event: string, listener: () => void): unknown;
};

/**
 * The browser side of a form. The build sends its source text to the editor (editorFormScript),
 * so it must use nothing from outside its own body. `defaults(extra)` gives Node-RED's defaults:
 * each field's initial value and a validate that takes a blank as "the default" (a flow saved
 * before the setting existed stays valid) and can add the node's own check from `extra`.
 * `prepare` puts the limits on the inputs, the units beside them (`data-unit-for`), and shows the
 * default for a setting the node lacks.
 */
export function editorForm(fields: Record<string, EditorField>) {
  function problem(field: EditorField, v: unknown): string | null {
    if (v === undefined || v === null || v === "") return null;
    if (field.kind === "flag") return typeof v === "boolean" ? null : "expected true or false";
    if (field.kind === "choice") {
      return (field.values as unknown[]).indexOf(v) >= 0 ? null : `expected one of ${(field.values ?? []).join(", ")}`;
    }
    if (field.kind === "text") {
      return String(v).length <= (field.maxLength as number) ? null : `at most ${field.maxLength} characters`;
    }
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
    const fits =
      Number.isFinite(n) &&
      (!field.integer || Number.isInteger(n)) &&
      (field.min === undefined || n >= field.min) &&
      (field.max === undefined || n <= field.max) &&
      (field.above === undefined || n > field.above);
    if (fits) return null;
    const low = field.min !== undefined ? ` ≥ ${field.min}` : field.above !== undefined ? ` > ${field.above}` : "";
    const high = field.max !== undefined ? ` ≤ ${field.max}` : "";
    return `expected ${field.integer ? "a whole number" : "a number"}${low}${low && high ? " and" : ""}${high}`;
  }
  return {
    /** Node-RED's `defaults`: the node's own entries, then every form field's. */
    defaults(extra: Record<string, EditorDefault>): Record<string, EditorDefault> {
      const out: Record<string, EditorDefault> = {};
      for (const key of Object.keys(extra)) out[key] = extra[key] as EditorDefault;
      for (const key of Object.keys(fields)) {
        const field = fields[key] as EditorField;
        const more = extra[key]?.validate;
        out[key] = {
          value: field.value,
          validate(this: unknown, v: unknown, options?: unknown) {
            return problem(field, v) ?? (more ? more.call(this, v, options) : true);
          },
        };
      }
      return out;
    },
    /** Limits on the inputs (`prefix` + field name); defaults shown for settings an older flow lacks. */
    prepare(node: Record<string, unknown>, prefix: string, $: EditorInputs): void {
      for (const key of Object.keys(fields)) {
        const field = fields[key] as EditorField;
        const input = $(`#${prefix}${key}`);
        if (field.min !== undefined) input.attr("min", field.min);
        if (field.max !== undefined) input.attr("max", field.max);
        if (field.unit !== undefined) $(`[data-unit-for="${key}"]`).text(field.unit);
        // Unticked, a missing flag would be saved as "off": show (and so keep) the default instead.
        if (node[key] === undefined && !field.blank) {
          if (field.kind === "flag") input.prop("checked", field.value);
          else input.val(field.value);
        }
      }
    },
    /** Shows the rows matching `rows` only while a Home Assistant connection is chosen in `select`. */
    showWithConnection(select: string, rows: string, $: EditorInputs): void {
      function toggle() {
        const chosen = $(select).val();
        $(rows).toggle(!!chosen && chosen !== "_ADD_");
      }
      $(select).on("change", toggle);
      toggle();
    },
  };
}

/** The JavaScript expression the build puts in a node's editor HTML: the browser side with its fields. */
export function editorFormScript(form: FormSpec): string {
  return `(${editorForm.toString()})(${JSON.stringify(editorFields(form))})`;
}
