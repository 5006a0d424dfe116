import { describeValue, InvalidInputError } from "../../src/errors";
import { checkSetting, SCORE_SPEC, UPDATE_SPEC } from "../../src/settings/spec";
import { trimmedText } from "../../src/validate";

/** A Home Assistant event as it arrives in a flow: raw (`data`) or from an "events: all" node (`event`). */
export interface HaEventLike {
  event_type: string;
  data?: unknown;
  event?: unknown;
  context?: unknown;
  [key: string]: unknown;
}

/** True for a raw Home Assistant event or the payload of an "events: all" node. */
export function isHaEvent(value: unknown): value is HaEventLike {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { event_type?: unknown }).event_type === "string" &&
    ("data" in value || "event" in value)
  );
}

/** One item of a feedback message: a feedback object for the model, or a Home Assistant event to map. */
export type FeedbackItem =
  | { kind: "feedback"; value: Record<string, unknown> }
  | { kind: "ha-event"; value: HaEventLike };

function item(value: unknown, field: string): FeedbackItem {
  if (isHaEvent(value)) return { kind: "ha-event", value };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      field,
      'expected a feedback object like {"patternId": "p1", "label": "approve"} or a Home Assistant event, ' +
        `got ${describeValue(value)}`,
    );
  }
  return { kind: "feedback", value: value as Record<string, unknown> };
}

/**
 * The feedback items of a feedback-collector message: `msg.payload` is one feedback object,
 * a Home Assistant event, or an array of them.
 */
export function feedbackItems(payload: unknown): FeedbackItem[] {
  if (Array.isArray(payload)) {
    if (payload.length === 0)
      throw new InvalidInputError("msg.payload", "the array is empty: send at least one feedback");
    // Array.from visits holes too (map skips them), so a hole is refused by name like any bad item.
    return Array.from(payload, (value, index) => item(value, `msg.payload[${index}]`));
  }
  return [item(payload, "msg.payload")];
}

/** `msg.user` when a flow names who decided, for feedback that does not carry its own `user`. */
export function messageUser(value: unknown): string | undefined {
  return trimmedText(value);
}

/** The commands a model-version node understands, as `msg.topic` or its fixed command. */
export const VERSION_COMMANDS = [
  "list",
  "get",
  "activate",
  "rollback",
  "resume",
  "pin",
  "unpin",
  "delete",
  "prune",
  "compare",
  "export",
  "import",
] as const;
/** One of VERSION_COMMANDS. */
export type VersionCommand = (typeof VERSION_COMMANDS)[number];

/**
 * The command of a model-version message: the node's fixed command when it has one (so a
 * dashboard button can be wired straight in), else `msg.topic`.
 */
export function versionCommand(topic: unknown, fixed: unknown): VersionCommand {
  const value =
    typeof fixed === "string" && fixed !== "" && fixed !== "topic"
      ? fixed
      : typeof topic === "string"
        ? topic.trim().toLowerCase()
        : topic;
  if (typeof value === "string" && (VERSION_COMMANDS as readonly string[]).includes(value))
    return value as VersionCommand;
  throw new InvalidInputError(
    "msg.topic",
    `expected one of ${VERSION_COMMANDS.join(", ")}, got ${describeValue(value)}`,
  );
}

/**
 * A version id from `msg.payload`: the id itself, or `{id}` (or `{version}`; Dashboard 2's
 * ui-table button sends the clicked row, which has `id`).
 */
export function versionId(payload: unknown, field = "msg.payload"): string {
  const text = trimmedText(payload);
  if (text) return text;
  if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
    const record = payload as Record<string, unknown>;
    const id = record.id ?? record.version;
    const idText = trimmedText(id);
    if (idText) return idText;
    throw new InvalidInputError(`${field}.id`, `expected a version id such as "v0003", got ${describeValue(id)}`);
  }
  throw new InvalidInputError(
    field,
    `expected a version id such as "v0003" or {"id": "v0003"}, got ${describeValue(payload)}`,
  );
}

/** An optional text field of an object payload (e.g. `reason`), or undefined. */
export function optionalText(payload: unknown, key: string): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  return trimmedText((payload as Record<string, unknown>)[key]);
}

/** The two version ids of a compare command: `{a, b}` or `[a, b]`. */
export function versionPair(payload: unknown): [string, string] {
  if (Array.isArray(payload) && payload.length === 2) {
    return [versionId(payload[0], "msg.payload[0]"), versionId(payload[1], "msg.payload[1]")];
  }
  if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
    const record = payload as Record<string, unknown>;
    return [versionId(record.a, "msg.payload.a"), versionId(record.b, "msg.payload.b")];
  }
  throw new InvalidInputError(
    "msg.payload",
    `expected {"a": "v0002", "b": "v0003"} or ["v0002", "v0003"], got ${describeValue(payload)}`,
  );
}

/** The rollback target: `"previous"` by default, or the id given as payload / `{to}` / `{id}`. */
export function rollbackTarget(payload: unknown): string {
  if (
    payload === undefined ||
    payload === null ||
    payload === "" ||
    (typeof payload === "object" &&
      !Array.isArray(payload) &&
      Object.keys(payload).every((k) => k === "reason" || k === "by"))
  ) {
    return "previous";
  }
  if (
    typeof payload === "object" &&
    payload !== null &&
    !Array.isArray(payload) &&
    typeof (payload as { to?: unknown }).to === "string"
  ) {
    return versionId((payload as { to: string }).to, "msg.payload.to");
  }
  return versionId(payload);
}

/** The exported text of a version to import: the string itself or `{text}`. */
export function importText(payload: unknown): string {
  // The text itself, untrimmed: it is parsed (and its digest checked) as exported.
  if (trimmedText(payload)) return payload as string;
  const text = optionalText(payload, "text");
  if (text) return text;
  throw new InvalidInputError(
    "msg.payload",
    `expected the text of an exported version (from the export command), got ${describeValue(payload)}`,
  );
}

/** The pattern-score threshold override in `msg.threshold`, else the configured one. */
export function askThreshold(value: unknown, configured: number): number {
  return value === undefined ? configured : checkSetting(SCORE_SPEC.askThreshold, value, "msg.threshold");
}

/** The update mode of an incremental-update message: `msg.mode`, else the configured one. */
export function updateMode(value: unknown, configured: unknown): "incremental" | "full" {
  const mode = value === undefined || value === "" ? configured : value;
  return checkSetting(UPDATE_SPEC.mode, mode, "msg.mode");
}
